//! Debian package versions, as Debian Policy §5.6.12 and `deb-version(7)` define them:
//! `[epoch:]upstream_version[-debian_revision]`.
//!
//! The epoch compares as a number; upstream version and revision compare by alternating runs:
//! a run of non-digits compared character by character, where `~` sorts before everything (even
//! the end of the string), then letters, then every other character; then a run of digits
//! compared as a number. A missing revision is the same as `0`.
//!
//! Like dpkg, this orders any string: an epoch that is not a number is taken as part of the
//! upstream version.

use std::cmp::Ordering;

use super::compare_digit_runs;

/// A parsed Debian version, borrowing from the string it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DebVersion<'a> {
    pub epoch: u64,
    pub upstream: &'a str,
    /// Empty when the version has no `-revision`.
    pub revision: &'a str,
}

impl<'a> DebVersion<'a> {
    pub fn parse(version: &'a str) -> Self {
        let version = version.trim();
        let (epoch, rest) = match version.split_once(':') {
            Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
                match epoch.parse() {
                    Ok(epoch) => (epoch, rest),
                    // An epoch too large for u64: no real package has one; keep it as text.
                    Err(_) => (0, version),
                }
            }
            _ => (0, version),
        };
        // The revision is everything after the last hyphen; the upstream version may contain hyphens.
        let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
        Self { epoch, upstream, revision }
    }
}

impl Ord for DebVersion<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| compare_part(self.upstream, other.upstream))
            .then_with(|| compare_part(self.revision, other.revision))
    }
}

impl PartialOrd for DebVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two Debian version strings.
pub fn compare(a: &str, b: &str) -> Ordering {
    DebVersion::parse(a).cmp(&DebVersion::parse(b))
}

/// The weight of one character in a non-digit run; the end of the string and a digit (which
/// ends the run) weigh 0, so `~` is the only thing lighter than "nothing".
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// Compares an upstream version or a revision.
fn compare_part(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while a.get(i).is_some_and(|c| !c.is_ascii_digit()) || b.get(j).is_some_and(|c| !c.is_ascii_digit()) {
            let (wa, wb) = (weight(a.get(i).copied()), weight(b.get(j).copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            // Equal weights here are two non-digit characters (nothing else weighs the same as a
            // non-digit), so neither side is at its end.
            i += 1;
            j += 1;
        }
        let digits_a = digit_run(a, i);
        let digits_b = digit_run(b, j);
        let order = compare_digit_runs(digits_a, digits_b);
        if order != Ordering::Equal {
            return order;
        }
        i += digits_a.len();
        j += digits_b.len();
    }
    Ordering::Equal
}

fn digit_run(s: &[u8], start: usize) -> &str {
    let start = start.min(s.len());
    let len = s[start..].iter().take_while(|c| c.is_ascii_digit()).count();
    // Only ASCII digits were taken, so this slice is valid UTF-8.
    std::str::from_utf8(&s[start..start + len]).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::check;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn parses_epoch_upstream_and_revision() {
        let check = |v: &str, epoch: u64, upstream: &str, revision: &str| {
            assert_eq!(DebVersion::parse(v), DebVersion { epoch, upstream, revision }, "{v}");
        };
        check("1.0", 0, "1.0", "");
        check("1:2.38.1-5+deb12u1", 1, "2.38.1", "5+deb12u1");
        check("1.0-beta-1", 0, "1.0-beta", "1");
        check("2:1.18:5-3", 2, "1.18:5", "3");
        check("x:1.0", 0, "x:1.0", "");
    }

    #[test]
    fn orders_like_the_debian_policy_says() {
        check::pairs(
            compare,
            &[
                // Tilde: pre-releases and stable updates sort before the version they lead to.
                ("1.0~rc1", Less, "1.0"),
                ("1.2.3~git20230101", Less, "1.2.3"),
                ("5.0~beta2+dfsg-1", Less, "5.0~rc1-1"),
                ("3.0.11-1~deb12u1", Less, "3.0.11-1"),
                ("3.0.11-1~deb12u1", Less, "3.0.11-1~deb12u2"),
                ("3.0.11-1~deb12u2", Less, "3.0.13-1~deb12u1"),
                ("1.0-~", Less, "1.0"),
                // Epochs win over everything else.
                ("1:0.9", Greater, "2.0"),
                ("1:1.0", Greater, "0:9.9"),
                ("2:1.0", Less, "10:0.1"),
                ("1:2.38.1-5", Greater, "2.38.1-5+deb12u3"),
                ("0:1.0", Equal, "1.0"),
                // Missing revision is revision 0; leading zeros do not count.
                ("1.0", Equal, "1.0-0"),
                ("1.01", Equal, "1.1"),
                // Letters sort before non-letters, and uppercase before lowercase.
                ("1.0", Less, "1.0a"),
                ("1.0a", Less, "1.0+"),
                ("1.0a", Less, "1.0."),
                ("1.0A", Less, "1.0a"),
                ("1.0Z", Less, "1.0a"),
                // Digit runs compare as numbers.
                ("2.30-1", Greater, "2.3-1"),
                ("9", Less, "10"),
                ("1.0-10", Greater, "1.0-9"),
                ("1.2.3", Less, "1.2.3.0"),
                ("1.0.0", Greater, "1.0"),
                ("0.0", Greater, "0"),
                // Revisions: Debian and Ubuntu conventions.
                ("1.0-1", Less, "1.0-2"),
                ("1.0-1", Less, "1.0.1-1"),
                ("1.0+dfsg-1", Greater, "1.0-1"),
                ("1.0-1+b1", Greater, "1.0-1"),
                ("2.38.1-5+deb12u1", Greater, "2.38.1-5"),
                ("7.6p2-4", Greater, "7.6-0"),
                ("1.0-beta-1", Greater, "1.0-1"),
                ("1.0-1ubuntu1", Greater, "1.0-1"),
                ("1.0-1ubuntu0.22.04.1", Less, "1.0-1ubuntu1"),
                // Not a valid Debian version, but dpkg still orders it.
                ("a", Greater, "1"),
            ],
        );
    }

    #[test]
    fn the_policy_tilde_example_is_ascending() {
        // Debian Policy: "~~", "~~a", "~", the empty part, "a".
        check::ascending(compare, &["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a"]);
    }

    #[test]
    fn a_typical_security_update_sequence_is_ascending() {
        check::ascending(
            compare,
            &[
                "3.0.9-1",
                "3.0.11-1~deb12u1",
                "3.0.11-1~deb12u2",
                "3.0.11-1",
                "3.0.11-1+b1",
                "3.0.13-1~deb12u1",
                "1:1.0-1",
            ],
        );
    }
}
