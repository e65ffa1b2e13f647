//! `/etc/os-release` (`os-release(5)`): which distribution and release an image runs, and so
//! which OSV ecosystem its system packages' advisories are published in.

use serde::Serialize;

use crate::ecosystem::{DistroFamily, Ecosystem};
use crate::error::{FileKind, VulnError};

/// The fields of os-release that identify a distribution release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OsRelease {
    /// `ID`, `linux` when absent (as the specification says).
    pub id: String,
    pub id_like: Vec<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub version_id: Option<String>,
    pub version_codename: Option<String>,
    pub pretty_name: Option<String>,
    pub cpe_name: Option<String>,
}

/// Parses the file's text: `KEY=value` lines, values optionally in shell quotes, `#` comments.
pub fn parse(text: &str) -> Result<OsRelease, VulnError> {
    let mut release = OsRelease {
        id: "linux".into(),
        id_like: Vec::new(),
        name: None,
        version: None,
        version_id: None,
        version_codename: None,
        pretty_name: None,
        cpe_name: None,
    };
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let syntax = |message: &str| VulnError::syntax(FileKind::OsRelease, index + 1, message);
        let (key, raw) = line.split_once('=').ok_or_else(|| syntax("expected KEY=value"))?;
        let value = unquote(raw).ok_or_else(|| syntax("malformed quoted value"))?;
        match key.trim() {
            "ID" => release.id = value,
            "ID_LIKE" => release.id_like = value.split_whitespace().map(str::to_string).collect(),
            "NAME" => release.name = Some(value),
            "VERSION" => release.version = Some(value),
            "VERSION_ID" => release.version_id = Some(value),
            "VERSION_CODENAME" => release.version_codename = Some(value),
            "PRETTY_NAME" => release.pretty_name = Some(value),
            "CPE_NAME" => release.cpe_name = Some(value),
            _ => {}
        }
    }
    Ok(release)
}

/// A shell value: `"..."` with `\` escapes, `'...'` verbatim, or bare with `\` escapes.
fn unquote(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if let Some(inner) = raw.strip_prefix('\'') {
        return inner.strip_suffix('\'').map(str::to_string);
    }
    let (body, quoted) = match raw.strip_prefix('"') {
        Some(inner) => (inner, true),
        None => (raw, false),
    };
    let mut value = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?),
            '"' if quoted => return chars.as_str().trim().is_empty().then_some(value),
            c => value.push(c),
        }
    }
    (!quoted).then_some(value)
}

impl OsRelease {
    /// The OSV ecosystem of this release's packages (`Debian:12`, `Ubuntu:22.04:LTS`,
    /// `Alpine:v3.19`, `Red Hat:enterprise_linux:9::baseos`, `Rocky Linux:9`, `AlmaLinux:9`), or
    /// none for a distribution OSV has no advisories for. Derivatives (`ID_LIKE`) are not
    /// mapped: their package versions are their own.
    pub fn ecosystem(&self) -> Option<Ecosystem> {
        let version_id = self.version_id.as_deref().map(str::trim).filter(|v| !v.is_empty());
        let major = version_id.and_then(|v| v.split('.').next()).map(str::to_string);
        let (family, release) = match self.id.as_str() {
            "debian" => (DistroFamily::Debian, major.or_else(|| self.debian_release_from_codename())),
            "ubuntu" => {
                let lts = self.version.as_deref().is_some_and(|v| v.contains("LTS"));
                (DistroFamily::Ubuntu, version_id.map(|v| if lts { format!("{v}:LTS") } else { v.to_string() }))
            }
            "alpine" => (DistroFamily::Alpine, version_id.and_then(alpine_branch)),
            "rhel" => {
                let from_cpe = self.cpe_name.as_deref().and_then(|cpe| cpe.strip_prefix("cpe:/o:redhat:"));
                (DistroFamily::RedHat, from_cpe.map(str::to_string).or(major.map(|m| format!("enterprise_linux:{m}"))))
            }
            "rocky" => (DistroFamily::RockyLinux, major),
            "almalinux" => (DistroFamily::AlmaLinux, major),
            _ => return None,
        };
        Some(Ecosystem::Distro { family, release })
    }

    /// Debian testing and unstable have no `VERSION_ID`; OSV names a release by its number
    /// (from distro-info) once it has one, and unstable `sid`.
    fn debian_release_from_codename(&self) -> Option<String> {
        let number = match self.version_codename.as_deref()? {
            "buster" => "10",
            "bullseye" => "11",
            "bookworm" => "12",
            "trixie" => "13",
            "forky" => "14",
            "sid" => "sid",
            _ => return None,
        };
        Some(number.to_string())
    }
}

/// `3.19.1` -> `v3.19`: Alpine advisories are per release branch.
fn alpine_branch(version_id: &str) -> Option<String> {
    let mut parts = version_id.split('.');
    let major = digits_prefix(parts.next()?)?;
    let minor = digits_prefix(parts.next()?)?;
    Some(format!("v{major}.{minor}"))
}

fn digits_prefix(s: &str) -> Option<&str> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    (end > 0).then_some(&s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ecosystem(text: &str) -> Option<String> {
        parse(text).unwrap().ecosystem().map(|e| e.to_string())
    }

    #[test]
    fn parses_quoted_and_bare_values() {
        let release = parse(
            "# comment\n\
             PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n\
             NAME='Debian GNU/Linux'\n\
             VERSION_ID=\"12\"\n\
             VERSION=\"12 (bookworm)\"\n\
             VERSION_CODENAME=bookworm\n\
             ID=debian\n\
             ID_LIKE=\"rhel centos fedora\"\n\
             HOME_URL=\"https://www.debian.org/\"\n\
             \n\
             CPE_NAME=\"a \\\"quoted\\\" \\$value\"\n",
        )
        .unwrap();
        assert_eq!(release.id, "debian");
        assert_eq!(release.pretty_name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(release.name.as_deref(), Some("Debian GNU/Linux"));
        assert_eq!(release.version_id.as_deref(), Some("12"));
        assert_eq!(release.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(release.id_like, ["rhel", "centos", "fedora"]);
        assert_eq!(release.cpe_name.as_deref(), Some("a \"quoted\" $value"));
        assert_eq!(parse("").unwrap().id, "linux");
    }

    #[test]
    fn reports_malformed_lines_with_their_number() {
        let err = parse("ID=debian\nVERSION_ID\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { kind: FileKind::OsRelease, line: 2, .. }), "{err:?}");
        let err = parse("ID=debian\n\nNAME=\"Debian\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { line: 3, .. }), "{err:?}");
        assert!(parse("NAME=\"Debian\" trailing\n").is_err());
    }

    #[test]
    fn maps_releases_to_osv_ecosystems() {
        assert_eq!(ecosystem("ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm").as_deref(), Some("Debian:12"));
        assert_eq!(ecosystem("ID=debian\nVERSION_ID=\"11\"").as_deref(), Some("Debian:11"));
        assert_eq!(ecosystem("ID=debian\nVERSION_CODENAME=trixie").as_deref(), Some("Debian:13"));
        assert_eq!(ecosystem("ID=debian").as_deref(), Some("Debian"));
        assert_eq!(
            ecosystem("ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"").as_deref(),
            Some("Ubuntu:22.04:LTS")
        );
        assert_eq!(
            ecosystem("ID=ubuntu\nVERSION_ID=\"24.10\"\nVERSION=\"24.10 (Oracular Oriole)\"").as_deref(),
            Some("Ubuntu:24.10")
        );
        assert_eq!(ecosystem("ID=alpine\nVERSION_ID=3.19.1").as_deref(), Some("Alpine:v3.19"));
        assert_eq!(ecosystem("ID=alpine\nVERSION_ID=3.21.0_alpha20240807").as_deref(), Some("Alpine:v3.21"));
        assert_eq!(
            ecosystem("ID=\"rhel\"\nVERSION_ID=\"9.3\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:9::baseos\"")
                .as_deref(),
            Some("Red Hat:enterprise_linux:9::baseos")
        );
        assert_eq!(ecosystem("ID=\"rhel\"\nVERSION_ID=\"8.9\"").as_deref(), Some("Red Hat:enterprise_linux:8"));
        assert_eq!(ecosystem("ID=\"rocky\"\nVERSION_ID=\"9.3\"").as_deref(), Some("Rocky Linux:9"));
        assert_eq!(ecosystem("ID=\"almalinux\"\nVERSION_ID=\"8.9\"").as_deref(), Some("AlmaLinux:8"));
        assert_eq!(ecosystem("ID=raspbian\nID_LIKE=debian\nVERSION_ID=\"12\""), None);
        assert_eq!(ecosystem("ID=fedora\nVERSION_ID=40"), None);
    }
}
