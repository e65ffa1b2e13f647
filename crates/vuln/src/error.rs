//! The vuln crate's error type. Every variant names what was being read: the file (or the kind
//! of file, for the parsers that are given contents only) and the line or field where known.

use std::fmt;
use std::path::PathBuf;

/// The kinds of file this crate reads, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    OsRelease,
    DpkgStatus,
    ApkInstalled,
    CargoLock,
    PackageLockJson,
    PoetryLock,
    RequirementsTxt,
    OsvRecord,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OsRelease => "os-release",
            Self::DpkgStatus => "dpkg status",
            Self::ApkInstalled => "apk installed database",
            Self::CargoLock => "Cargo.lock",
            Self::PackageLockJson => "package-lock.json",
            Self::PoetryLock => "poetry.lock",
            Self::RequirementsTxt => "requirements.txt",
            Self::OsvRecord => "OSV record",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An OSV file that is not valid JSON or does not fit the schema; `line` and `column` are
    /// serde's.
    #[error("{path}:{line}:{column}: malformed OSV record: {source}")]
    OsvRecord {
        path: PathBuf,
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
    /// A line-oriented file (`os-release`, dpkg status, apk database, requirements.txt) that breaks
    /// its format; `line` is 1-based.
    #[error("{kind} line {line}: {message}")]
    Syntax { kind: FileKind, line: usize, message: String },
    /// A JSON lockfile that does not parse or misses a field.
    #[error("{kind} line {line}: {source}")]
    Json {
        kind: FileKind,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    /// A TOML lockfile that does not parse or misses a field (the cause names the line).
    #[error("{kind}: {source}")]
    Toml {
        kind: FileKind,
        #[source]
        source: toml::de::Error,
    },
    /// A file in a format version this crate does not read; reported, never skipped silently.
    #[error("unsupported {kind}: {message}")]
    Unsupported { kind: FileKind, message: String },
    #[error("invalid CVSS v3 vector {vector:?}: {message}")]
    CvssVector { vector: String, message: String },
}

impl VulnError {
    pub(crate) fn syntax(kind: FileKind, line: usize, message: impl Into<String>) -> Self {
        Self::Syntax { kind, line, message: message.into() }
    }

    pub(crate) fn json(kind: FileKind, source: serde_json::Error) -> Self {
        Self::Json { kind, line: source.line(), source }
    }
}
