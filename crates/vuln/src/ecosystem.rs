//! OSV ecosystem names as osv.dev exports them (`Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`,
//! `Red Hat:enterprise_linux:9::baseos`, `crates.io`, `npm`, `PyPI`), the version order each
//! uses, and which installed systems a record's ecosystem covers.

use std::fmt;

use crate::version::VersionScheme;

/// A Linux distribution whose packages OSV records describe, release by release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DistroFamily {
    Debian,
    Ubuntu,
    Alpine,
    RedHat,
    RockyLinux,
    AlmaLinux,
}

impl DistroFamily {
    const ALL: [Self; 6] = [Self::Debian, Self::Ubuntu, Self::Alpine, Self::RedHat, Self::RockyLinux, Self::AlmaLinux];

    /// The ecosystem name before the `:release` suffix.
    pub fn osv_name(self) -> &'static str {
        match self {
            Self::Debian => "Debian",
            Self::Ubuntu => "Ubuntu",
            Self::Alpine => "Alpine",
            Self::RedHat => "Red Hat",
            Self::RockyLinux => "Rocky Linux",
            Self::AlmaLinux => "AlmaLinux",
        }
    }

    pub fn scheme(self) -> VersionScheme {
        match self {
            Self::Debian | Self::Ubuntu => VersionScheme::Dpkg,
            Self::Alpine => VersionScheme::Apk,
            Self::RedHat | Self::RockyLinux | Self::AlmaLinux => VersionScheme::Rpm,
        }
    }

    /// Red Hat records name binary or source RPMs; the other distributions key their records by
    /// source package only.
    pub fn names_binary_packages(self) -> bool {
        self == Self::RedHat
    }
}

/// An OSV ecosystem, parsed from its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ecosystem {
    /// A distribution, optionally scoped to one release: the text after the first `:`
    /// (`12`, `22.04:LTS`, `Pro:18.04:LTS`, `v3.19`, `enterprise_linux:9::baseos`).
    Distro {
        family: DistroFamily,
        release: Option<String>,
    },
    CratesIo,
    Npm,
    PyPI,
    /// Any ecosystem this crate has no version order for; never matched.
    Other(String),
}

impl Ecosystem {
    pub fn parse(name: &str) -> Self {
        let name = name.trim();
        match name {
            "crates.io" => return Self::CratesIo,
            "npm" => return Self::Npm,
            "PyPI" => return Self::PyPI,
            _ => {}
        }
        let (family_name, release) = match name.split_once(':') {
            Some((family, release)) => (family, Some(release.to_string())),
            None => (name, None),
        };
        match DistroFamily::ALL.into_iter().find(|family| family.osv_name() == family_name) {
            Some(family) => Self::Distro { family, release: release.filter(|r| !r.is_empty()) },
            None => Self::Other(name.to_string()),
        }
    }

    /// The version order of `ECOSYSTEM` ranges in this ecosystem.
    pub fn scheme(&self) -> Option<VersionScheme> {
        match self {
            Self::Distro { family, .. } => Some(family.scheme()),
            Self::CratesIo | Self::Npm => Some(VersionScheme::Semver),
            Self::PyPI => Some(VersionScheme::Pep440),
            Self::Other(_) => None,
        }
    }

    /// The ecosystem without its release: what package names are unique within.
    pub fn family_name(&self) -> &str {
        match self {
            Self::Distro { family, .. } => family.osv_name(),
            Self::CratesIo => "crates.io",
            Self::Npm => "npm",
            Self::PyPI => "PyPI",
            Self::Other(name) => name,
        }
    }

    /// Whether a record in this ecosystem applies to a system or lockfile in `installed`.
    ///
    /// A distribution record applies to its own release only (a `Debian:12` record never to
    /// Debian 11, an `Ubuntu:Pro:22.04:LTS` one not to plain 22.04); a record without a release
    /// applies to every release. Red Hat releases are product streams: a record for
    /// `enterprise_linux:9::appstream` applies to a RHEL 9 system whatever its own repository,
    /// but not `rhel_eus:9.2` ones.
    pub fn covers(&self, installed: &Ecosystem) -> bool {
        match (self, installed) {
            (
                Self::Distro { family, release: record_release },
                Self::Distro { family: installed_family, release: installed_release },
            ) if family == installed_family => match (record_release, installed_release) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(record), Some(installed)) if *family == DistroFamily::RedHat => {
                    red_hat_stream(record) == red_hat_stream(installed)
                }
                (Some(record), Some(installed)) => record == installed,
            },
            (Self::CratesIo, Self::CratesIo) | (Self::Npm, Self::Npm) | (Self::PyPI, Self::PyPI) => true,
            _ => false,
        }
    }
}

/// Product and version of a Red Hat CPE suffix: `enterprise_linux:9::baseos` -> `(enterprise_linux, 9)`.
fn red_hat_stream(release: &str) -> (&str, &str) {
    let mut parts = release.split(':');
    (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Distro { family, release: Some(release) } => write!(f, "{}:{release}", family.osv_name()),
            _ => f.write_str(self.family_name()),
        }
    }
}

/// A PyPI project name normalised as PEP 503 says (lowercase, runs of `-_.` become `-`), the form
/// OSV records use.
pub fn normalize_pypi_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator {
                normalized.push('-');
            }
            in_separator = true;
        } else {
            normalized.push(c.to_ascii_lowercase());
            in_separator = false;
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distro(family: DistroFamily, release: &str) -> Ecosystem {
        Ecosystem::Distro { family, release: Some(release.to_string()) }
    }

    #[test]
    fn parses_and_prints_osv_ecosystem_names() {
        let check = |name: &str, expected: Ecosystem| {
            let parsed = Ecosystem::parse(name);
            assert_eq!(parsed, expected, "{name}");
            assert_eq!(parsed.to_string(), name);
        };
        check("Debian:12", distro(DistroFamily::Debian, "12"));
        check("Debian", Ecosystem::Distro { family: DistroFamily::Debian, release: None });
        check("Ubuntu:22.04:LTS", distro(DistroFamily::Ubuntu, "22.04:LTS"));
        check("Ubuntu:Pro:18.04:LTS", distro(DistroFamily::Ubuntu, "Pro:18.04:LTS"));
        check("Alpine:v3.19", distro(DistroFamily::Alpine, "v3.19"));
        check("Red Hat:enterprise_linux:9::baseos", distro(DistroFamily::RedHat, "enterprise_linux:9::baseos"));
        check("Rocky Linux:9", distro(DistroFamily::RockyLinux, "9"));
        check("AlmaLinux:8", distro(DistroFamily::AlmaLinux, "8"));
        check("crates.io", Ecosystem::CratesIo);
        check("npm", Ecosystem::Npm);
        check("PyPI", Ecosystem::PyPI);
        check("Go", Ecosystem::Other("Go".into()));
        check("Maven:https://maven.google.com", Ecosystem::Other("Maven:https://maven.google.com".into()));
    }

    #[test]
    fn each_ecosystem_orders_versions_its_own_way() {
        assert_eq!(Ecosystem::parse("Ubuntu:22.04:LTS").scheme(), Some(VersionScheme::Dpkg));
        assert_eq!(Ecosystem::parse("Alpine:v3.19").scheme(), Some(VersionScheme::Apk));
        assert_eq!(Ecosystem::parse("Red Hat:enterprise_linux:9::baseos").scheme(), Some(VersionScheme::Rpm));
        assert_eq!(Ecosystem::parse("crates.io").scheme(), Some(VersionScheme::Semver));
        assert_eq!(Ecosystem::parse("PyPI").scheme(), Some(VersionScheme::Pep440));
        assert_eq!(Ecosystem::parse("Go").scheme(), None);
    }

    #[test]
    fn a_record_covers_its_own_release_only() {
        let check = |record: &str, installed: &str, expected: bool| {
            let (record_eco, installed_eco) = (Ecosystem::parse(record), Ecosystem::parse(installed));
            assert_eq!(record_eco.covers(&installed_eco), expected, "{record} covers {installed}");
        };
        check("Debian:12", "Debian:12", true);
        check("Debian:12", "Debian:11", false);
        check("Debian", "Debian:11", true);
        check("Debian:12", "Ubuntu:22.04:LTS", false);
        check("Ubuntu:22.04:LTS", "Ubuntu:22.04:LTS", true);
        check("Ubuntu:Pro:22.04:LTS", "Ubuntu:22.04:LTS", false);
        check("Alpine:v3.19", "Alpine:v3.18", false);
        check("Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:9::baseos", true);
        check("Red Hat:enterprise_linux:8::appstream", "Red Hat:enterprise_linux:9::baseos", false);
        check("Red Hat:rhel_eus:9.2::baseos", "Red Hat:enterprise_linux:9::baseos", false);
        check("PyPI", "PyPI", true);
        check("npm", "crates.io", false);
        check("Go", "Go", false);
    }

    #[test]
    fn normalizes_pypi_names() {
        assert_eq!(normalize_pypi_name("Django"), "django");
        assert_eq!(normalize_pypi_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_pypi_name("typing__extensions"), "typing-extensions");
        assert_eq!(normalize_pypi_name("Foo-._Bar"), "foo-bar");
    }
}
