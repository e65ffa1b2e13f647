//! RPM versions, as `rpm-version(7)` and `rpmvercmp` define them: `[epoch:]version[-release]`.
//!
//! The epoch compares as a number (missing is 0), then version and release each with
//! `rpmvercmp`: both strings are cut into runs of digits or of ASCII letters, everything else
//! being a separator; digit runs compare as numbers, letter runs as text, and a digit run is
//! newer than a letter run. `~` sorts before anything, even the end of the string
//! (`1.0~rc1 < 1.0`); `^` sorts after the end but before anything else (`1.0 < 1.0^git1 < 1.0.1`).
//! A missing release is older than any release.

use std::cmp::Ordering;

use super::compare_digit_runs;

/// A parsed RPM EVR, borrowing from the string it was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evr<'a> {
    pub epoch: u64,
    pub version: &'a str,
    pub release: Option<&'a str>,
}

impl<'a> Evr<'a> {
    pub fn parse(evr: &'a str) -> Self {
        let evr = evr.trim();
        let (epoch, rest) = match evr.split_once(':') {
            Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
                match epoch.parse() {
                    Ok(epoch) => (epoch, rest),
                    Err(_) => (0, evr),
                }
            }
            _ => (0, evr),
        };
        match rest.rsplit_once('-') {
            Some((version, release)) => Self { epoch, version, release: Some(release) },
            None => Self { epoch, version: rest, release: None },
        }
    }
}

impl Ord for Evr<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch.cmp(&other.epoch).then_with(|| rpmvercmp(self.version, other.version)).then_with(|| {
            match (self.release, other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (a, b) => a.is_some().cmp(&b.is_some()),
            }
        })
    }
}

impl PartialOrd for Evr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two `[epoch:]version[-release]` strings.
pub fn compare(a: &str, b: &str) -> Ordering {
    Evr::parse(a).cmp(&Evr::parse(b))
}

/// Compares one version or release field, segment by segment.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let is_separator = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && is_separator(a[i]) {
            i += 1;
        }
        while j < b.len() && is_separator(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            match (ca, cb) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {
                    i += 1;
                    j += 1;
                    continue;
                }
                (Some(b'^'), _) => return Ordering::Less,
                _ => return Ordering::Greater,
            }
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        // The segment kind is decided by the first version's character.
        let numeric = ca.is_ascii_digit();
        let in_segment = |c: &u8| if numeric { c.is_ascii_digit() } else { c.is_ascii_alphabetic() };
        let len_a = a[i..].iter().take_while(|c| in_segment(c)).count();
        let len_b = b[j..].iter().take_while(|c| in_segment(c)).count();
        if len_b == 0 {
            // Different kinds of segment: a number is newer than letters.
            return if numeric { Ordering::Greater } else { Ordering::Less };
        }
        let (seg_a, seg_b) = (&a[i..i + len_a], &b[j..j + len_b]);
        let order = if numeric {
            // Both are ASCII digits.
            compare_digit_runs(std::str::from_utf8(seg_a).unwrap_or(""), std::str::from_utf8(seg_b).unwrap_or(""))
        } else {
            seg_a.cmp(seg_b)
        };
        if order != Ordering::Equal {
            return order;
        }
        i += len_a;
        j += len_b;
    }
    // Whichever still has segments is newer.
    (i < a.len()).cmp(&(j < b.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::check;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn parses_epoch_version_and_release() {
        let check = |s: &str, epoch: u64, version: &str, release: Option<&str>| {
            assert_eq!(Evr::parse(s), Evr { epoch, version, release }, "{s}");
        };
        check("1:3.0.7-25.el9_3", 1, "3.0.7", Some("25.el9_3"));
        check("3.0.7", 0, "3.0.7", None);
        check("0:2.0-1", 0, "2.0", Some("1"));
    }

    #[test]
    fn orders_versions_like_rpmvercmp() {
        check::pairs(
            compare,
            &[
                ("1.0", Less, "2.0"),
                ("2.0.1", Greater, "2.0"),
                ("1.2.3a", Greater, "1.2.3"),
                ("5.5p2", Less, "5.5p10"),
                ("10abc", Less, "10.1abc"),
                ("abc10", Less, "abc10.1"),
                ("abc.4", Less, "7"),
                ("a", Less, "1"),
                ("6.0.beta1", Greater, "6.0"),
                ("10b2", Greater, "10a1"),
                ("1.0a", Less, "1.0aa"),
                ("1.0", Less, "1.0.0"),
                ("1.0.0", Greater, "1.0a"),
                ("3.0.7", Less, "3.0.10"),
                ("0.9.8zh", Greater, "0.9.8zg"),
                ("4.999.9", Less, "5.0"),
                ("20240101", Less, "20240102"),
                // Leading zeros do not count; separators only separate.
                ("10.0001", Equal, "10.1"),
                ("10.0001", Less, "10.0039"),
                ("2_0", Equal, "2.0"),
                ("2+0", Equal, "2.0"),
                // Tilde: before everything, even the end.
                ("1.0~rc1", Less, "1.0"),
                ("1.0~rc1", Less, "1.0~rc2"),
                ("1.0~rc1~git1", Less, "1.0~rc1"),
                ("1.0~rc1", Greater, "1.0~"),
                // Caret: after the end, before anything else.
                ("1.0^", Greater, "1.0"),
                ("1.0^20230101", Greater, "1.0"),
                ("1.0^git1", Less, "1.0.1"),
                ("1.0^git1", Less, "1.0^git2"),
                ("1.0~rc1^git1", Greater, "1.0~rc1"),
                ("1.0~rc1^git1", Less, "1.0"),
                ("1.0^git1~pre", Less, "1.0^git1"),
            ],
        );
    }

    #[test]
    fn orders_epoch_version_release() {
        check::pairs(
            compare,
            &[
                ("1:1.0-1", Greater, "2.0-1"),
                ("0:1.0-1", Equal, "1.0-1"),
                ("1.0-1.el9", Less, "1.0-2.el9"),
                ("1.0-10.fc39", Greater, "1.0-9.fc39"),
                ("3.0.7-25.el9_3", Greater, "3.0.7-25.el9"),
                ("3.0.7-24.el9", Less, "3.0.7-25.el9"),
                ("1:3.0.7-25.el9_3", Less, "1:3.0.7-27.el9"),
                // A missing release is older than any release.
                ("2.0-1", Greater, "2.0"),
            ],
        );
    }

    #[test]
    fn a_rhel_update_sequence_is_ascending() {
        check::ascending(
            compare,
            &["3.0.1-43.el9_0", "3.0.7-6.el9_2", "3.0.7-24.el9", "3.0.7-25.el9_3", "3.0.7-27.el9", "1:3.0.1-1.el9"],
        );
    }
}
