//! Semantic Versioning 2.0.0: `MAJOR.MINOR.PATCH[-pre.release][+build]`.
//!
//! Precedence (§11): major, minor and patch compare numerically; a pre-release version is lower
//! than the release; pre-release identifiers compare left to right, numeric ones numerically and
//! below alphanumeric ones, which compare in ASCII order (so `RC1 < alpha`), and a shorter list
//! is lower when all its identifiers are equal. Build metadata is ignored.
//!
//! Parsing follows the grammar strictly (no `v` prefix, no leading zeros, all three numbers);
//! [`compare`] still orders strings that do not parse: below every valid version, then as text.

use std::cmp::Ordering;
use std::fmt;

use super::compare_digit_runs;

/// A pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// Digits only, without leading zeros (kept as text so any length compares correctly).
    Numeric(String),
    AlphaNumeric(String),
}

impl Ord for Identifier {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Numeric(a), Self::Numeric(b)) => compare_digit_runs(a, b),
            (Self::Numeric(_), Self::AlphaNumeric(_)) => Ordering::Less,
            (Self::AlphaNumeric(_), Self::Numeric(_)) => Ordering::Greater,
            (Self::AlphaNumeric(a), Self::AlphaNumeric(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A parsed version. Build metadata is dropped at parse time: it takes no part in precedence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: Vec<Identifier>,
}

/// Why a string is not a SemVer 2.0.0 version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a SemVer 2.0.0 version: {0}")]
pub struct ParseError(&'static str);

impl Version {
    pub fn parse(version: &str) -> Result<Self, ParseError> {
        let version = version.trim();
        let (rest, build) = match version.split_once('+') {
            Some((rest, build)) => (rest, Some(build)),
            None => (version, None),
        };
        if let Some(build) = build {
            if build.split('.').any(|id| id.is_empty() || !id.bytes().all(is_identifier_byte)) {
                return Err(ParseError("malformed build metadata"));
            }
        }
        let (core, pre) = match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (rest, None),
        };
        let mut numbers = core.split('.').map(parse_number);
        let (Some(major), Some(minor), Some(patch), None) =
            (numbers.next(), numbers.next(), numbers.next(), numbers.next())
        else {
            return Err(ParseError("expected MAJOR.MINOR.PATCH"));
        };
        let pre = match pre {
            None => Vec::new(),
            Some(pre) => pre.split('.').map(parse_identifier).collect::<Result<_, _>>()?,
        };
        Ok(Self { major: major?, minor: minor?, patch: patch?, pre })
    }
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn parse_number(s: &str) -> Result<u64, ParseError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError("version numbers must be digits"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(ParseError("version numbers must not have leading zeros"));
    }
    s.parse().map_err(|_| ParseError("version number too large"))
}

fn parse_identifier(id: &str) -> Result<Identifier, ParseError> {
    if id.is_empty() || !id.bytes().all(is_identifier_byte) {
        return Err(ParseError("pre-release identifiers must be non-empty [0-9A-Za-z-]"));
    }
    if id.bytes().all(|b| b.is_ascii_digit()) {
        if id.len() > 1 && id.starts_with('0') {
            return Err(ParseError("numeric pre-release identifiers must not have leading zeros"));
        }
        Ok(Identifier::Numeric(id.to_string()))
    } else {
        Ok(Identifier::AlphaNumeric(id.to_string()))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch)).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                // Lexicographic over identifiers: a shorter list that is a prefix sorts first.
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            match id {
                Identifier::Numeric(s) | Identifier::AlphaNumeric(s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

/// Compares two versions by SemVer precedence; strings that do not parse sort below valid ones.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (Version::parse(a), Version::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        (Err(_), Err(_)) => a.trim().cmp(b.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::check;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn the_specification_examples_are_ascending() {
        check::ascending(compare, &["1.0.0", "2.0.0", "2.1.0", "2.1.1"]);
        check::ascending(
            compare,
            &[
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
            ],
        );
    }

    #[test]
    fn orders_tricky_pairs() {
        check::pairs(
            compare,
            &[
                // Build metadata takes no part in precedence.
                ("1.0.0+build.1", Equal, "1.0.0+build.2"),
                ("1.0.0-alpha+001", Equal, "1.0.0-alpha"),
                ("1.2.3-rc.1+build", Equal, "1.2.3-rc.1"),
                // ASCII order: uppercase before lowercase.
                ("1.0.0-RC1", Less, "1.0.0-alpha"),
                // Numeric identifiers are lower than alphanumeric ones, and compare as numbers.
                ("1.0.0-1", Less, "1.0.0-a"),
                ("1.0.0-10", Greater, "1.0.0-9"),
                ("1.0.0-x.7.z.92", Less, "1.0.0-x.7.z.100"),
                ("1.0.0-alpha.-1", Greater, "1.0.0-alpha.1"),
                ("1.0.0-a-b", Greater, "1.0.0-a"),
                ("1.2.3-0", Less, "1.2.3"),
                ("2.0.0", Less, "10.0.0"),
                ("1.10.0", Greater, "1.9.0"),
                ("0.0.1", Less, "0.1.0"),
                ("1.0.0-99999999999999999999999", Less, "1.0.0-100000000000000000000000"),
                // Not SemVer: below every valid version, then as text.
                ("1.2", Less, "0.0.0"),
                ("v1.2.3", Less, "0.0.1"),
                ("1.2", Less, "1.3"),
            ],
        );
    }

    #[test]
    fn parses_strictly() {
        let v = Version::parse("1.2.3-rc.1+build.5").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 2, 3));
        assert_eq!(v.to_string(), "1.2.3-rc.1");
        for bad in ["1.2", "1.2.3.4", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "v1.2.3", "1.2.3-a..b", "1.x.3", ""] {
            assert!(Version::parse(bad).is_err(), "{bad} should not parse");
        }
        for good in ["0.0.0", "1.2.3-0", "1.2.3-alpha.-1", "1.2.3-0a", "1.2.3+001", "18446744073709551615.0.0"] {
            assert!(Version::parse(good).is_ok(), "{good} should parse");
        }
    }
}
