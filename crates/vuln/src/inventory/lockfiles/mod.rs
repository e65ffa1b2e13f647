//! Language lockfiles: the exact versions a project resolved, as its package manager wrote them.
//! Each parser reads one file's contents; packages that did not come from the language's
//! registry (path, git and workspace dependencies) are left out, as registry advisories do not
//! describe them.

mod cargo_lock;
mod package_lock;
mod poetry_lock;
mod requirements;

pub use cargo_lock::parse_cargo_lock;
pub use package_lock::parse_package_lock;
pub use poetry_lock::parse_poetry_lock;
pub use requirements::parse_requirements;

use crate::error::VulnError;
use crate::inventory::Package;

/// The lockfile formats read, recognised by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lockfile {
    CargoLock,
    PackageLockJson,
    PoetryLock,
    RequirementsTxt,
}

impl Lockfile {
    /// The format of a file by its name (not its path): `Cargo.lock`, `package-lock.json`,
    /// `poetry.lock`, and `requirements.txt` or `requirements-<anything>.txt`.
    pub fn from_file_name(name: &str) -> Option<Self> {
        match name {
            "Cargo.lock" => Some(Self::CargoLock),
            "package-lock.json" => Some(Self::PackageLockJson),
            "poetry.lock" => Some(Self::PoetryLock),
            _ if name.starts_with("requirements") && name.ends_with(".txt") => Some(Self::RequirementsTxt),
            _ => None,
        }
    }

    /// Parses a file of this format. Each package appears once, however many times the file
    /// lists the same name and version.
    pub fn parse(self, bytes: &[u8]) -> Result<Vec<Package>, VulnError> {
        match self {
            Self::CargoLock => parse_cargo_lock(bytes),
            Self::PackageLockJson => parse_package_lock(bytes),
            Self::PoetryLock => parse_poetry_lock(bytes),
            Self::RequirementsTxt => parse_requirements(bytes),
        }
    }
}

/// Keeps the first of each (name, version), in file order; PyPI names are compared normalised
/// (`Django` and `django` are one project).
fn dedup(packages: Vec<Package>) -> Vec<Package> {
    let mut seen = std::collections::HashSet::new();
    packages
        .into_iter()
        .filter(|p| {
            let name = match p.manager {
                crate::inventory::PackageManager::Pip => crate::ecosystem::normalize_pypi_name(&p.name),
                _ => p.name.clone(),
            };
            seen.insert((name, p.version.clone()))
        })
        .collect()
}

/// TOML and JSON parsers want text; lockfiles are UTF-8 by definition.
fn utf8(kind: crate::error::FileKind, bytes: &[u8]) -> Result<&str, VulnError> {
    std::str::from_utf8(bytes).map_err(|e| {
        // Count lines up to the first invalid byte so the error points at it.
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        VulnError::syntax(kind, line, "not UTF-8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_lockfiles_by_name() {
        assert_eq!(Lockfile::from_file_name("Cargo.lock"), Some(Lockfile::CargoLock));
        assert_eq!(Lockfile::from_file_name("package-lock.json"), Some(Lockfile::PackageLockJson));
        assert_eq!(Lockfile::from_file_name("poetry.lock"), Some(Lockfile::PoetryLock));
        assert_eq!(Lockfile::from_file_name("requirements.txt"), Some(Lockfile::RequirementsTxt));
        assert_eq!(Lockfile::from_file_name("requirements-dev.txt"), Some(Lockfile::RequirementsTxt));
        assert_eq!(Lockfile::from_file_name("package.json"), None);
        assert_eq!(Lockfile::from_file_name("Cargo.toml"), None);
    }

    #[test]
    fn dispatches_to_the_formats_parser() {
        let packages = Lockfile::RequirementsTxt.parse(b"Django==4.2.7\n").unwrap();
        assert_eq!((packages[0].name.as_str(), packages[0].version.as_str()), ("Django", "4.2.7"));
        let err = Lockfile::CargoLock.parse(b"[[package]]\nname = \"x\"\n\xff").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { line: 3, .. }), "{err:?}");
    }
}
