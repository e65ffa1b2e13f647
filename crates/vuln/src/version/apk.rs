//! Alpine package versions, as apk-tools orders them:
//! `number{.number}...{letter}{_suffix{number}}...{~hash}{-rN}`.
//!
//! Versions are read as a sequence of tokens and compared token by token:
//! - numbers compare numerically, except that a dotted component with a leading zero compares as
//!   text (`1.01 < 1.1`, `1.001 < 1.01`), as in Gentoo from which the format comes;
//! - one lowercase letter may follow the numbers (`1.0a < 1.0b`);
//! - suffixes `_alpha < _beta < _pre < _rc` sort before the release without them, and
//!   `_cvs < _svn < _git < _hg < _p` after it; each may carry a number;
//! - `~hash` (a commit) compares as text;
//! - `-rN` is the package revision.
//!
//! When one version runs out of tokens, or the two disagree on what comes next, the one with the
//! "earlier" kind of token is the greater (`1.0.1 > 1.0a > 1.0_p1 > 1.0-r1 > 1.0`), except that
//! a pre-release suffix always makes its version the lesser. A malformed tail (`1.0-foo`) stops
//! the comparison there and sorts below everything well-formed.

use std::cmp::Ordering;

use super::compare_digit_runs;

/// Token kinds in grammar order; the order is itself the tie-break rule described above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    FirstNumber,
    Number,
    Letter,
    Suffix,
    SuffixNumber,
    CommitHash,
    Revision,
    End,
    Invalid,
}

/// Suffix words in order; `Release` stands for "no suffix" and separates pre- from post-releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Alpha,
    Beta,
    Pre,
    Rc,
    Release,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

impl Suffix {
    fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "alpha" => Self::Alpha,
            "beta" => Self::Beta,
            "pre" => Self::Pre,
            "rc" => Self::Rc,
            "cvs" => Self::Cvs,
            "svn" => Self::Svn,
            "git" => Self::Git,
            "hg" => Self::Hg,
            "p" => Self::P,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    text: &'a str,
    suffix: Suffix,
}

impl<'a> Token<'a> {
    fn new(kind: Kind, text: &'a str) -> Self {
        Self { kind, text, suffix: Suffix::Release }
    }

    fn compare(&self, other: &Self) -> Ordering {
        match self.kind {
            Kind::Number if self.text.starts_with('0') || other.text.starts_with('0') => self.text.cmp(other.text),
            Kind::FirstNumber | Kind::Number | Kind::SuffixNumber | Kind::Revision => {
                compare_digit_runs(self.text, other.text)
            }
            Kind::Suffix => self.suffix.cmp(&other.suffix),
            Kind::Letter | Kind::CommitHash | Kind::End | Kind::Invalid => self.text.cmp(other.text),
        }
    }
}

struct Tokenizer<'a> {
    rest: &'a str,
    previous: Kind,
}

impl<'a> Tokenizer<'a> {
    fn new(version: &'a str) -> Self {
        Self { rest: version.trim(), previous: Kind::FirstNumber }
    }

    fn first(&mut self) -> Token<'a> {
        self.digits(Kind::FirstNumber)
    }

    fn next(&mut self) -> Token<'a> {
        let token = self.read_next();
        self.previous = token.kind;
        token
    }

    fn read_next(&mut self) -> Token<'a> {
        let Some(c) = self.rest.chars().next() else {
            return Token::new(Kind::End, "");
        };
        match c {
            'a'..='z' if self.previous <= Kind::Number => {
                let (letter, rest) = self.rest.split_at(1);
                self.rest = rest;
                Token::new(Kind::Letter, letter)
            }
            '.' if self.previous <= Kind::Number => {
                self.rest = &self.rest[1..];
                self.digits(Kind::Number)
            }
            '0'..='9' if self.previous == Kind::Suffix => self.digits(Kind::SuffixNumber),
            '_' if self.previous <= Kind::SuffixNumber => {
                let word = take_while(&self.rest[1..], |c| c.is_ascii_lowercase());
                self.rest = &self.rest[1 + word.len()..];
                match Suffix::from_word(word) {
                    Some(suffix) => Token { kind: Kind::Suffix, text: word, suffix },
                    None => self.invalid(),
                }
            }
            '~' if self.previous < Kind::CommitHash => {
                let hash = take_while(&self.rest[1..], |c| c.is_ascii_hexdigit());
                self.rest = &self.rest[1 + hash.len()..];
                if hash.is_empty() {
                    self.invalid()
                } else {
                    Token::new(Kind::CommitHash, hash)
                }
            }
            '-' if self.previous < Kind::Revision && self.rest[1..].starts_with('r') => {
                self.rest = &self.rest[2..];
                self.digits(Kind::Revision)
            }
            _ => self.invalid(),
        }
    }

    fn digits(&mut self, kind: Kind) -> Token<'a> {
        let digits = take_while(self.rest, |c| c.is_ascii_digit());
        self.rest = &self.rest[digits.len()..];
        self.previous = kind;
        if digits.is_empty() {
            self.invalid()
        } else {
            Token::new(kind, digits)
        }
    }

    fn invalid(&mut self) -> Token<'a> {
        let rest = std::mem::take(&mut self.rest);
        Token::new(Kind::Invalid, rest)
    }
}

fn take_while(s: &str, keep: impl Fn(char) -> bool) -> &str {
    let end = s.find(|c| !keep(c)).unwrap_or(s.len());
    &s[..end]
}

/// Compares two Alpine package versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut tokens_a, mut tokens_b) = (Tokenizer::new(a), Tokenizer::new(b));
    let (mut ta, mut tb) = (tokens_a.first(), tokens_b.first());
    while ta.kind == tb.kind && ta.kind < Kind::End {
        let order = ta.compare(&tb);
        if order != Ordering::Equal {
            return order;
        }
        ta = tokens_a.next();
        tb = tokens_b.next();
    }
    if ta.kind == tb.kind {
        return Ordering::Equal;
    }
    if ta.kind == Kind::Suffix && ta.suffix < Suffix::Release {
        return Ordering::Less;
    }
    if tb.kind == Kind::Suffix && tb.suffix < Suffix::Release {
        return Ordering::Greater;
    }
    // The version that goes on with an earlier kind of token is the greater one.
    tb.kind.cmp(&ta.kind)
}

/// Whether apk would accept `version` as well-formed.
pub fn is_well_formed(version: &str) -> bool {
    let mut tokens = Tokenizer::new(version);
    let mut token = tokens.first();
    while token.kind < Kind::End {
        token = tokens.next();
    }
    token.kind == Kind::End
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::check;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn orders_suffixes_around_the_release() {
        check::ascending(
            compare,
            &[
                "1.0_alpha",
                "1.0_alpha1",
                "1.0_alpha2",
                "1.0_beta1",
                "1.0_pre1",
                "1.0_rc1",
                "1.0_rc9",
                "1.0_rc10",
                "1.0",
                "1.0_cvs1",
                "1.0_svn1",
                "1.0_git20240101",
                "1.0_hg1",
                "1.0_p1",
                "1.0_p2",
                "1.0.1",
            ],
        );
    }

    #[test]
    fn orders_revisions_letters_and_numbers() {
        check::pairs(
            compare,
            &[
                ("1.0", Less, "1.0-r0"),
                ("1.0-r1", Less, "1.0-r2"),
                ("1.0-r9", Less, "1.0-r10"),
                ("3.0.12-r0", Less, "3.0.12-r1"),
                ("3.0.12-r5", Less, "3.0.13-r0"),
                ("1.0_rc1-r5", Less, "1.0-r0"),
                ("1.0_rc1", Less, "1.0_rc1-r1"),
                ("1.0_p1-r0", Greater, "1.0-r3"),
                ("1.0a", Greater, "1.0"),
                ("1.0a", Less, "1.0b"),
                ("1.0a", Less, "1.0.1"),
                ("1.0z", Less, "1.0.0"),
                ("1.0_p1", Less, "1.0a"),
                ("10", Greater, "9"),
                ("2.10", Greater, "2.9"),
                ("1.2", Less, "1.2.0"),
                ("1.2.3", Equal, "1.2.3"),
                ("01.2", Equal, "1.2"),
                // A dotted component with a leading zero compares as text.
                ("1.01", Less, "1.1"),
                ("1.001", Less, "1.01"),
                ("1.010", Greater, "1.01"),
                ("1.09", Less, "1.1"),
                // Commit hashes compare as text and come before the revision.
                ("1.0~abc1", Less, "1.0~abc2"),
                ("1.0~abc", Greater, "1.0"),
                ("1.0~abc-r1", Greater, "1.0-r1"),
                // Malformed tails sort below well-formed versions.
                ("1.0-foo", Less, "1.0"),
                ("1.0_unknown1", Less, "1.0"),
                ("x1.0", Less, "0"),
            ],
        );
    }

    #[test]
    fn an_alpine_security_update_sequence_is_ascending() {
        check::ascending(compare, &["3.1.4-r1", "3.1.4-r5", "3.1.5_rc1-r0", "3.1.5-r0", "3.1.5-r1", "3.1.5_p1-r0"]);
    }

    #[test]
    fn well_formedness_follows_the_grammar() {
        for ok in ["1", "1.0", "1.0a", "1.0_rc1", "1.0_alpha_p2", "1.0_git20240101-r3", "1.0~deadbeef-r1", "2.39.0-r0"]
        {
            assert!(is_well_formed(ok), "{ok} should be well-formed");
        }
        for bad in ["", "a1", "1.0-1", "1.0a1", "1.0_foo", "1.0-r", "1.0~", "1.0-r1_p1", "1.0.a"] {
            assert!(!is_well_formed(bad), "{bad} should be malformed");
        }
    }
}
