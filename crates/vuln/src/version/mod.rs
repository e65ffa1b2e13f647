//! Version ordering, one module per ecosystem, each written from that ecosystem's own specification.
//!
//! Every `compare` is total over all strings: a version an ecosystem would reject still sorts
//! somewhere (documented per module), so one odd record never aborts a scan. Matching asks
//! [`VersionScheme::is_valid`] first where the scheme has a grammar (SemVer, PEP 440).

pub mod apk;
pub mod dpkg;
pub mod pep440;
pub mod rpm;
pub mod semver;

use std::cmp::Ordering;
use std::fmt;

/// The version orderings OSV ranges are evaluated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionScheme {
    /// Debian and Ubuntu packages (`deb-version(7)`).
    Dpkg,
    /// Alpine packages (apk-tools).
    Apk,
    /// RPM packages (`rpmvercmp`, with epoch and release).
    Rpm,
    /// Semantic Versioning 2.0.0 (crates.io, npm, and every `SEMVER` range).
    Semver,
    /// Python packages (PEP 440).
    Pep440,
}

impl VersionScheme {
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Self::Dpkg => dpkg::compare(a, b),
            Self::Apk => apk::compare(a, b),
            Self::Rpm => rpm::compare(a, b),
            Self::Semver => semver::compare(a, b),
            Self::Pep440 => pep440::compare(a, b),
        }
    }

    /// Whether `version` follows the scheme's grammar. dpkg, apk and rpm order every string
    /// (their tools compare whatever they are given), so only SemVer and PEP 440 can say no.
    pub fn is_valid(self, version: &str) -> bool {
        match self {
            Self::Dpkg | Self::Apk | Self::Rpm => !version.trim().is_empty(),
            Self::Semver => semver::Version::parse(version).is_ok(),
            Self::Pep440 => pep440::Version::parse(version).is_ok(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dpkg => "dpkg",
            Self::Apk => "apk",
            Self::Rpm => "rpm",
            Self::Semver => "SemVer",
            Self::Pep440 => "PEP 440",
        }
    }
}

impl fmt::Display for VersionScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares runs of ASCII digits as numbers of any length (leading zeros ignored), so dates and
/// long build numbers never overflow.
pub(crate) fn compare_digit_runs(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Table-driven checks shared by the ecosystems' test suites: every pair is checked both ways
/// (antisymmetry) and every version against itself (reflexivity); failures are collected so one
/// run shows all of them.
#[cfg(test)]
pub(crate) mod check {
    use std::cmp::Ordering;

    pub fn pairs(compare: fn(&str, &str) -> Ordering, cases: &[(&str, Ordering, &str)]) {
        let mut failures = Vec::new();
        for &(a, expected, b) in cases {
            let forward = compare(a, b);
            let backward = compare(b, a);
            if forward != expected {
                failures.push(format!("{a:?} vs {b:?}: got {forward:?}, want {expected:?}"));
            }
            if backward != expected.reverse() {
                failures.push(format!("{b:?} vs {a:?}: got {backward:?}, want {:?}", expected.reverse()));
            }
            for v in [a, b] {
                if compare(v, v) != Ordering::Equal {
                    failures.push(format!("{v:?} is not equal to itself"));
                }
            }
        }
        assert!(failures.is_empty(), "{} ordering failures:\n{}", failures.len(), failures.join("\n"));
    }

    /// Checks that `versions` is strictly increasing, comparing every pair (not only neighbours),
    /// which also exercises transitivity.
    pub fn ascending(compare: fn(&str, &str) -> Ordering, versions: &[&str]) {
        let mut cases = Vec::new();
        for (i, a) in versions.iter().enumerate() {
            for b in &versions[i + 1..] {
                cases.push((*a, Ordering::Less, *b));
            }
        }
        pairs(compare, &cases);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_dispatch_to_their_own_ordering() {
        // The same two strings order differently per ecosystem: that is why matching must use the
        // record's own scheme.
        assert_eq!(VersionScheme::Dpkg.compare("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(VersionScheme::Rpm.compare("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(VersionScheme::Pep440.compare("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(VersionScheme::Apk.compare("1.0_rc1", "1.0"), Ordering::Less);
        assert_eq!(VersionScheme::Semver.compare("1.0.0-rc.1", "1.0.0"), Ordering::Less);
        // `1.0.0` and `1.0` are the same release for PEP 440, not for apk.
        assert_eq!(VersionScheme::Pep440.compare("1.0.0", "1.0"), Ordering::Equal);
        assert_eq!(VersionScheme::Apk.compare("1.0.0", "1.0"), Ordering::Greater);
    }

    #[test]
    fn validity_is_only_judged_where_a_grammar_exists() {
        assert!(VersionScheme::Dpkg.is_valid("anything goes"));
        assert!(!VersionScheme::Dpkg.is_valid("  "));
        assert!(VersionScheme::Semver.is_valid("1.2.3-rc.1+build.5"));
        assert!(!VersionScheme::Semver.is_valid("1.2"));
        assert!(VersionScheme::Pep440.is_valid("1.0.post1"));
        assert!(!VersionScheme::Pep440.is_valid("1.0-foo-bar"));
    }

    #[test]
    fn digit_runs_compare_as_numbers_of_any_length() {
        assert_eq!(compare_digit_runs("0010", "9"), Ordering::Greater);
        assert_eq!(compare_digit_runs("007", "7"), Ordering::Equal);
        assert_eq!(compare_digit_runs("99999999999999999999999", "100000000000000000000000"), Ordering::Less);
        assert_eq!(compare_digit_runs("", "0"), Ordering::Equal);
    }
}
