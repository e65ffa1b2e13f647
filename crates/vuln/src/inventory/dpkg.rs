//! The dpkg status file (`/var/lib/dpkg/status`): one paragraph of `Field: value` lines per
//! package, paragraphs separated by blank lines, continuation lines starting with a space.
//!
//! Only packages whose `Status` says `ok installed` are inventoried (want `install` or `hold`);
//! removed packages that left configuration files behind, and half-installed ones, are not. A
//! package's source comes from `Source:` (`src` or `src (version)`, the version defaulting to the
//! binary's), since Debian and Ubuntu advisories are keyed by source package.

use crate::error::{FileKind, VulnError};
use crate::inventory::{Package, PackageManager, SourcePackage};

#[derive(Default)]
struct Paragraph {
    first_line: usize,
    package: Option<String>,
    version: Option<String>,
    status: Option<String>,
    source: Option<String>,
    architecture: Option<String>,
}

/// Parses the status file's bytes (any text encoding errors are replaced, as package
/// descriptions are not always UTF-8).
pub fn parse_status(bytes: &[u8]) -> Result<Vec<Package>, VulnError> {
    let text = String::from_utf8_lossy(bytes);
    let mut packages = Vec::new();
    let mut paragraph = Paragraph::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            finish(std::mem::take(&mut paragraph), &mut packages)?;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if paragraph.first_line == 0 {
                return Err(VulnError::syntax(FileKind::DpkgStatus, number, "continuation line outside a paragraph"));
            }
            continue;
        }
        let (field, value) = line
            .split_once(':')
            .ok_or_else(|| VulnError::syntax(FileKind::DpkgStatus, number, "expected a `Field: value` line"))?;
        if paragraph.first_line == 0 {
            paragraph.first_line = number;
        }
        let value = Some(value.trim().to_string());
        // Field names are case-insensitive in Debian control files.
        match field.to_ascii_lowercase().as_str() {
            "package" => paragraph.package = value,
            "version" => paragraph.version = value,
            "status" => paragraph.status = value,
            "source" => paragraph.source = value,
            "architecture" => paragraph.architecture = value,
            _ => {}
        }
    }
    finish(paragraph, &mut packages)?;
    Ok(packages)
}

fn finish(paragraph: Paragraph, packages: &mut Vec<Package>) -> Result<(), VulnError> {
    if paragraph.first_line == 0 || !is_installed(paragraph.status.as_deref()) {
        return Ok(());
    }
    let missing = |field: &str| {
        VulnError::syntax(FileKind::DpkgStatus, paragraph.first_line, format!("installed package has no {field} field"))
    };
    let name = paragraph.package.clone().filter(|n| !n.is_empty()).ok_or_else(|| missing("Package"))?;
    let version = paragraph.version.clone().filter(|v| !v.is_empty()).ok_or_else(|| missing("Version"))?;
    let source = match paragraph.source.as_deref() {
        Some(source) if !source.is_empty() => parse_source(source, &version),
        _ => SourcePackage { name: name.clone(), version: version.clone() },
    };
    packages.push(Package {
        manager: PackageManager::Dpkg,
        name,
        version,
        source: Some(source),
        arch: paragraph.architecture,
        location: None,
    });
    Ok(())
}

/// `Status: <want> <flag> <state>`.
fn is_installed(status: Option<&str>) -> bool {
    let words: Vec<&str> = status.unwrap_or("").split_whitespace().collect();
    matches!(words.as_slice(), [_, "ok", "installed"])
}

/// `openssl` or `openssl (3.0.11-1~deb12u2)`.
fn parse_source(source: &str, binary_version: &str) -> SourcePackage {
    match source.split_once('(') {
        Some((name, version)) => SourcePackage {
            name: name.trim().to_string(),
            version: version.trim_end().trim_end_matches(')').trim().to_string(),
        },
        None => SourcePackage { name: source.trim().to_string(), version: binary_version.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "\
Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6148
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL
 .
 It provides the libssl and libcrypto shared libraries.

Package: old-package
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: libgnutls30
Status: hold ok installed
Architecture: amd64
Source: gnutls28 (3.7.9-2+deb12u1)
Version: 3.7.9-2+deb12u1+b1

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2

Package: half
Status: install ok half-configured
Version: 1.0

Package: zlib1g
Status: install ok installed
Source: zlib
Version: 1:1.2.13.dfsg-1";

    fn summary(packages: &[Package]) -> Vec<(String, String, String, String)> {
        packages
            .iter()
            .map(|p| {
                let source = p.source.as_ref().unwrap();
                (p.name.clone(), p.version.clone(), source.name.clone(), source.version.clone())
            })
            .collect()
    }

    #[test]
    fn inventories_installed_packages_with_their_sources() {
        let packages = parse_status(STATUS.as_bytes()).unwrap();
        let expected = [
            ("libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2"),
            ("libgnutls30", "3.7.9-2+deb12u1+b1", "gnutls28", "3.7.9-2+deb12u1"),
            ("bash", "5.2.15-2+b2", "bash", "5.2.15-2+b2"),
            ("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1"),
        ];
        let expected: Vec<_> =
            expected.iter().map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string())).collect();
        assert_eq!(summary(&packages), expected);
        assert!(packages.iter().all(|p| p.manager == PackageManager::Dpkg));
        assert_eq!(packages[0].arch.as_deref(), Some("amd64"));
        assert_eq!(packages[3].arch, None);
    }

    #[test]
    fn accepts_crlf_and_non_utf8_descriptions() {
        let mut bytes =
            b"Package: a\r\nStatus: install ok installed\r\nVersion: 1.0\r\nDescription: caf\xe9\r\n".to_vec();
        bytes.extend_from_slice(b"\r\nPackage: b\r\nStatus: install ok installed\r\nVersion: 2.0\r\n");
        let packages = parse_status(&bytes).unwrap();
        assert_eq!(packages.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn reports_malformed_paragraphs_with_their_line() {
        let err = parse_status(
            b"Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: install ok installed\n",
        )
        .unwrap_err();
        assert!(
            matches!(&err, VulnError::Syntax { kind: FileKind::DpkgStatus, line: 5, message } if message.contains("Version")),
            "{err:?}"
        );
        let err = parse_status(b"Package: a\nnot a field\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { line: 2, .. }), "{err:?}");
        let err = parse_status(b" continuation\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { line: 1, .. }), "{err:?}");
        assert_eq!(parse_status(b"").unwrap(), []);
    }
}
