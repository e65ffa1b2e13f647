//! Package inventories, built from the contents of the files that record what is installed:
//! `/etc/os-release`, the dpkg status file, the apk installed database, and language lockfiles.
//! Each parser takes the file's bytes or text; finding and reading the files is the caller's.
//!
//! The rpm database is read elsewhere (it is SQLite); [`RpmPackage`] is the shape its headers
//! turn into a [`Package`] through.

pub mod apk;
pub mod dpkg;
pub mod lockfiles;
pub mod os_release;

use serde::Serialize;

use crate::ecosystem::Ecosystem;
use crate::version::VersionScheme;
use os_release::OsRelease;

/// The package manager, or lockfile format, a package was found through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageManager {
    Dpkg,
    Apk,
    Rpm,
    Cargo,
    Npm,
    /// PyPI packages, from poetry.lock or requirements.txt.
    Pip,
}

impl PackageManager {
    /// Whether its packages belong to the operating system (and so to the os-release's
    /// distribution) rather than to a language ecosystem.
    pub fn is_system(self) -> bool {
        matches!(self, Self::Dpkg | Self::Apk | Self::Rpm)
    }

    /// The order its versions follow.
    pub fn scheme(self) -> VersionScheme {
        match self {
            Self::Dpkg => VersionScheme::Dpkg,
            Self::Apk => VersionScheme::Apk,
            Self::Rpm => VersionScheme::Rpm,
            Self::Cargo | Self::Npm => VersionScheme::Semver,
            Self::Pip => VersionScheme::Pep440,
        }
    }
}

/// The source package a binary package was built from; distribution advisories are keyed by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcePackage {
    pub name: String,
    pub version: String,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    pub manager: PackageManager,
    pub name: String,
    /// The full version as the ecosystem orders it (`1:2.38.1-5+deb12u1`, `3.1.4-r5`,
    /// `1:3.0.7-25.el9_3`, `1.0.197`).
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Where the package was found (a lockfile's path), set by the caller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Package {
    pub fn new(manager: PackageManager, name: impl Into<String>, version: impl Into<String>) -> Self {
        Self { manager, name: name.into(), version: version.into(), source: None, arch: None, location: None }
    }

    pub fn with_location(mut self, location: impl Into<String>) -> Self {
        self.location = Some(location.into());
        self
    }
}

/// An installed RPM's header fields, as the rpm database holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmPackage {
    pub name: String,
    pub epoch: Option<u64>,
    pub version: String,
    pub release: String,
    pub arch: Option<String>,
    /// The `SOURCERPM` file name, e.g. `openssl-3.0.7-25.el9_3.src.rpm`.
    pub source_rpm: Option<String>,
}

impl From<RpmPackage> for Package {
    fn from(rpm: RpmPackage) -> Self {
        let version = match rpm.epoch {
            Some(epoch) if epoch > 0 => format!("{epoch}:{}-{}", rpm.version, rpm.release),
            _ => format!("{}-{}", rpm.version, rpm.release),
        };
        // The source RPM's file name carries no epoch; it is built with the binary's EVR.
        let source = rpm
            .source_rpm
            .as_deref()
            .and_then(source_rpm_name)
            .map(|name| SourcePackage { name: name.to_string(), version: version.clone() });
        Self { manager: PackageManager::Rpm, name: rpm.name, version, source, arch: rpm.arch, location: None }
    }
}

/// `openssl-3.0.7-25.el9_3.src.rpm` -> `openssl`: the name is what precedes version and release.
fn source_rpm_name(file_name: &str) -> Option<&str> {
    let stem = file_name.strip_suffix(".rpm")?;
    let (nvr, _arch) = stem.rsplit_once('.')?;
    let (nv, _release) = nvr.rsplit_once('-')?;
    let (name, _version) = nv.rsplit_once('-')?;
    (!name.is_empty()).then_some(name)
}

/// What is installed on one system (or in one image): its distribution and its packages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Inventory {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
}

impl Inventory {
    /// The OSV ecosystem a package's advisories are published in: the distribution's release for
    /// system packages (none when the distribution is unknown or uses another package manager),
    /// the language ecosystem for the others.
    pub fn ecosystem_of(&self, package: &Package) -> Option<Ecosystem> {
        match package.manager {
            PackageManager::Cargo => Some(Ecosystem::CratesIo),
            PackageManager::Npm => Some(Ecosystem::Npm),
            PackageManager::Pip => Some(Ecosystem::PyPI),
            manager => {
                let ecosystem = self.os.as_ref()?.ecosystem()?;
                (ecosystem.scheme() == Some(manager.scheme())).then_some(ecosystem)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rpm_header_becomes_a_package_with_its_source() {
        let check = |epoch: Option<u64>, source_rpm: Option<&str>, version: &str, source: Option<&str>| {
            let package = Package::from(RpmPackage {
                name: "openssl-libs".into(),
                epoch,
                version: "3.0.7".into(),
                release: "25.el9_3".into(),
                arch: Some("x86_64".into()),
                source_rpm: source_rpm.map(str::to_string),
            });
            assert_eq!(package.version, version);
            assert_eq!(package.source.as_ref().map(|s| s.name.as_str()), source);
            if let Some(source) = &package.source {
                assert_eq!(source.version, version);
            }
            assert_eq!(package.manager, PackageManager::Rpm);
            assert_eq!(package.arch.as_deref(), Some("x86_64"));
        };
        check(Some(1), Some("openssl-3.0.7-25.el9_3.src.rpm"), "1:3.0.7-25.el9_3", Some("openssl"));
        check(None, Some("python3-pip-21.3.1-1.el9.src.rpm"), "3.0.7-25.el9_3", Some("python3-pip"));
        check(Some(0), Some("not-a-source-rpm"), "3.0.7-25.el9_3", None);
        check(None, None, "3.0.7-25.el9_3", None);
    }

    #[test]
    fn system_packages_take_the_distributions_ecosystem() {
        let debian = os_release::parse("ID=debian\nVERSION_ID=\"12\"\n").unwrap();
        let inventory = Inventory { os: Some(debian), packages: Vec::new() };
        let dpkg = Package::new(PackageManager::Dpkg, "openssl", "3.0.11-1~deb12u2");
        let apk = Package::new(PackageManager::Apk, "musl", "1.2.4-r2");
        let cargo = Package::new(PackageManager::Cargo, "serde", "1.0.197");
        assert_eq!(inventory.ecosystem_of(&dpkg), Some(Ecosystem::parse("Debian:12")));
        assert_eq!(inventory.ecosystem_of(&apk), None, "an apk package on Debian has no advisories to match");
        assert_eq!(inventory.ecosystem_of(&cargo), Some(Ecosystem::CratesIo));
        assert_eq!(Inventory::default().ecosystem_of(&dpkg), None, "unknown distribution");
    }
}
