//! Python package versions, as PEP 440 defines them:
//! `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`.
//!
//! Parsing applies the PEP's normalisation rules: case-insensitive, an optional leading `v`,
//! `-`/`_`/`.` separators (or none) before and inside the pre, post and dev parts, the spellings
//! `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`, `rev`/`r` and a bare `-N` for `.postN`, an
//! implicit 0 for a missing number, and `-`/`_` as separators in local labels. So `1.0RC1`,
//! `1.0-rc.1` and `1.0c1` are all `1.0rc1`.
//!
//! Ordering: epoch, then the release with trailing zeros ignored (`1.0 == 1.0.0`), then
//! `X.devN < XaN < XbN < XrcN < X < X.postN`, a dev release sorting before the release (or pre
//! or post release) it leads to, then the local label (`1.0 < 1.0+abc < 1.0+5`: a local version
//! sorts after the public one, numeric segments after alphanumeric ones).
//!
//! [`compare`] still orders strings that do not parse: below every valid version, then as text,
//! as pip once did with legacy versions.

use std::cmp::Ordering;
use std::fmt;

use super::compare_digit_runs;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PreRelease {
    Alpha,
    Beta,
    Candidate,
}

/// One dot-separated part of a local version label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalSegment {
    Text(String),
    /// Digits without leading zeros.
    Number(String),
}

impl Ord for LocalSegment {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => compare_digit_runs(a, b),
            (Self::Text(_), Self::Number(_)) => Ordering::Less,
            (Self::Number(_), Self::Text(_)) => Ordering::Greater,
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for LocalSegment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A normalised PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub epoch: u64,
    pub release: Vec<u64>,
    pub pre: Option<(PreRelease, u64)>,
    pub post: Option<u64>,
    pub dev: Option<u64>,
    pub local: Vec<LocalSegment>,
}

/// Why a string is not a PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a PEP 440 version: {0}")]
pub struct ParseError(&'static str);

const PRE_SPELLINGS: [(&str, PreRelease); 8] = [
    ("alpha", PreRelease::Alpha),
    ("beta", PreRelease::Beta),
    ("preview", PreRelease::Candidate),
    ("pre", PreRelease::Candidate),
    ("rc", PreRelease::Candidate),
    ("a", PreRelease::Alpha),
    ("b", PreRelease::Beta),
    ("c", PreRelease::Candidate),
];
const POST_SPELLINGS: [&str; 3] = ["post", "rev", "r"];

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.s.get(self.pos + offset).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        self.pos += usize::from(found);
        found
    }

    fn eat_separator(&mut self) -> bool {
        let found = matches!(self.peek(), Some(b'-' | b'_' | b'.'));
        self.pos += usize::from(found);
        found
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = self.s[self.pos..].starts_with(word.as_bytes());
        if found {
            self.pos += word.len();
        }
        found
    }

    fn digits(&mut self) -> &str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        // Only ASCII digits were taken.
        std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("")
    }

    fn number(&mut self) -> Result<Option<u64>, ParseError> {
        let digits = self.digits();
        if digits.is_empty() {
            return Ok(None);
        }
        digits.parse().map(Some).map_err(|_| ParseError("number too large"))
    }

    /// The number after a pre, post or dev label: an optional separator, then optional digits
    /// (implicitly 0).
    fn label_number(&mut self) -> Result<u64, ParseError> {
        self.eat_separator();
        Ok(self.number()?.unwrap_or(0))
    }
}

impl Version {
    pub fn parse(version: &str) -> Result<Self, ParseError> {
        let lowered = version.trim().to_ascii_lowercase();
        let mut c = Cursor { s: lowered.as_bytes(), pos: 0 };
        c.eat(b'v');

        let start = c.pos;
        let epoch = match c.number()? {
            Some(epoch) if c.eat(b'!') => epoch,
            _ => {
                c.pos = start;
                0
            }
        };

        let mut release = vec![c.number()?.ok_or(ParseError("a version starts with a release number"))?];
        while c.peek() == Some(b'.') && c.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            c.pos += 1;
            release.push(c.number()?.unwrap_or(0));
        }

        let start = c.pos;
        c.eat_separator();
        let pre = match PRE_SPELLINGS.iter().find(|(spelling, _)| c.eat_word(spelling)) {
            Some(&(_, kind)) => Some((kind, c.label_number()?)),
            None => {
                c.pos = start;
                None
            }
        };

        let start = c.pos;
        let post = if c.peek() == Some(b'-') && c.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            c.pos += 1;
            c.number()?
        } else {
            c.eat_separator();
            if POST_SPELLINGS.iter().any(|spelling| c.eat_word(spelling)) {
                Some(c.label_number()?)
            } else {
                c.pos = start;
                None
            }
        };

        let start = c.pos;
        c.eat_separator();
        let dev = if c.eat_word("dev") {
            Some(c.label_number()?)
        } else {
            c.pos = start;
            None
        };

        let mut local = Vec::new();
        if c.eat(b'+') {
            loop {
                let start = c.pos;
                while c.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
                    c.pos += 1;
                }
                let segment = std::str::from_utf8(&c.s[start..c.pos]).unwrap_or("");
                if segment.is_empty() {
                    return Err(ParseError("empty segment in local version label"));
                }
                local.push(if segment.bytes().all(|b| b.is_ascii_digit()) {
                    LocalSegment::Number(segment.trim_start_matches('0').to_string())
                } else {
                    LocalSegment::Text(segment.to_string())
                });
                if !c.eat_separator() {
                    break;
                }
            }
        }

        if c.pos != c.s.len() {
            return Err(ParseError("unexpected characters"));
        }
        Ok(Self { epoch, release, pre, post, dev, local })
    }

    /// The release without trailing zeros: `1.0.0` and `1` are the same release.
    fn significant_release(&self) -> &[u64] {
        let len = self.release.iter().rposition(|&n| n != 0).map_or(0, |i| i + 1);
        &self.release[..len]
    }

    /// Where the version sits around its release: a dev release of the release itself sorts
    /// before its pre-releases, a release without a pre-release after them.
    fn pre_key(&self) -> (u8, Option<(PreRelease, u64)>) {
        match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (0, None),
            (Some(pre), _, _) => (1, Some(pre)),
            (None, _, _) => (2, None),
        }
    }

    /// No dev part sorts after every dev release.
    fn dev_key(&self) -> (bool, u64) {
        match self.dev {
            Some(n) => (false, n),
            None => (true, 0),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.significant_release().cmp(other.significant_release()))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            // No post release sorts before every post release (None < Some).
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| self.dev_key().cmp(&other.dev_key()))
            // No local label sorts before any (an empty list is a prefix of every list).
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The normalised form, as PEP 440 spells it.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}!", self.epoch)?;
        }
        let release: Vec<String> = self.release.iter().map(u64::to_string).collect();
        f.write_str(&release.join("."))?;
        if let Some((kind, n)) = self.pre {
            let label = match kind {
                PreRelease::Alpha => "a",
                PreRelease::Beta => "b",
                PreRelease::Candidate => "rc",
            };
            write!(f, "{label}{n}")?;
        }
        if let Some(n) = self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = self.dev {
            write!(f, ".dev{n}")?;
        }
        for (i, segment) in self.local.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            match segment {
                LocalSegment::Text(s) => f.write_str(s)?,
                LocalSegment::Number(s) if s.is_empty() => f.write_str("0")?,
                LocalSegment::Number(s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

/// Compares two versions by PEP 440; strings that do not parse sort below valid ones.
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
    fn the_pep_summary_ordering_is_ascending() {
        check::ascending(
            compare,
            &[
                "1.0.dev456",
                "1.0a1",
                "1.0a2.dev456",
                "1.0a12.dev456",
                "1.0a12",
                "1.0b1.dev456",
                "1.0b2",
                "1.0b2.post345.dev456",
                "1.0b2.post345",
                "1.0rc1.dev456",
                "1.0rc1",
                "1.0",
                "1.0+abc.5",
                "1.0+abc.7",
                "1.0+5",
                "1.0.post456.dev34",
                "1.0.post456",
                "1.0.15",
                "1.1.dev1",
            ],
        );
        check::ascending(compare, &["1.0.dev0", "1.0a1", "1.0", "1.0.post1"]);
    }

    #[test]
    fn orders_tricky_pairs() {
        check::pairs(
            compare,
            &[
                ("1!1.0", Greater, "2.0"),
                ("0!2.0", Equal, "2.0"),
                ("1.0.0", Equal, "1.0"),
                ("2.0.0", Equal, "2"),
                ("0.1", Greater, "0.1.dev0"),
                ("1.0.post1.dev2", Less, "1.0.post1"),
                ("1.0.post1.dev2", Greater, "1.0"),
                ("1.0a1.post1", Less, "1.0a2"),
                ("1.0.dev1", Less, "1.0.dev2"),
                ("1.1.dev1", Greater, "1.0.15"),
                ("20240101", Greater, "2024.1"),
                ("1.0+local", Greater, "1.0"),
                ("1.0+1", Greater, "1.0+a"),
                ("1.0+a.1", Greater, "1.0+a"),
                ("1.0+1.0", Greater, "1.0+1"),
                ("1.0+01", Equal, "1.0+1"),
                ("1.0+ABC", Equal, "1.0+abc"),
                // Not PEP 440: below every valid version, then as text.
                ("1.0-foo-bar", Less, "0.0.dev0"),
                ("not a version", Greater, "1.0-foo-bar"),
            ],
        );
    }

    #[test]
    fn normalises_alternative_spellings() {
        let check = |input: &str, normal: &str| {
            let version = Version::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(version.to_string(), normal, "{input}");
            assert_eq!(compare(input, normal), Equal, "{input} == {normal}");
        };
        check("1.0RC1", "1.0rc1");
        check("1.0c1", "1.0rc1");
        check("1.0pre3", "1.0rc3");
        check("1.0.pre3", "1.0rc3");
        check("1.0preview2", "1.0rc2");
        check("1.0alpha1", "1.0a1");
        check("1.0-beta.3", "1.0b3");
        check("1.0_a_1", "1.0a1");
        check("1.0a.1", "1.0a1");
        check("1.0a", "1.0a0");
        check("1.0-1", "1.0.post1");
        check("1.0.post", "1.0.post0");
        check("1.0-r4", "1.0.post4");
        check("1.0rev4", "1.0.post4");
        check("1.0-post2", "1.0.post2");
        check("1.0_post2", "1.0.post2");
        check("1.0-dev", "1.0.dev0");
        check("v1.0", "1.0");
        check(" 1.0 ", "1.0");
        check("01.02", "1.2");
        check("1!2.0", "1!2.0");
        check("1.0+ubuntu-1", "1.0+ubuntu.1");
        check("1.0+01", "1.0+1");
    }

    #[test]
    fn rejects_what_the_grammar_rejects() {
        for bad in ["", "1.0-foo-bar", "1.0+", "1.0+a..b", "a1.0", "1.0 .1", "1..0", "1.0.", "1!", "!1.0", "1.0-"] {
            assert!(Version::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
