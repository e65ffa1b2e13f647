//! The policy crate's error type. Every variant names the file, and the line where known.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("reading policy file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Rego that does not parse or compile. `message` is the engine's, which carries
    /// `file:line:col` and the offending source line.
    #[error("{path}:{line}: policy does not compile: {message}")]
    Compile { path: String, line: usize, message: String },
    #[error("{path}:{line}: invalid METADATA: {message}")]
    Metadata { path: String, line: usize, message: String },
    #[error("{path}: policy id {id} is also defined in {other}")]
    DuplicateId { path: String, id: String, other: String },
    /// A framework file (`frameworks/*.yaml`) that does not parse or breaks a rule.
    #[error("{path}:{line}: invalid framework: {message}")]
    Framework { path: String, line: usize, message: String },
    #[error("{path}: framework {id} is also defined in {other}")]
    DuplicateFramework { path: String, id: String, other: String },
    #[error("evaluating policy {id}: {message}")]
    Eval { id: String, message: String },
}
