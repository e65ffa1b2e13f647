//! The apk installed database (`/lib/apk/db/installed`): one paragraph of `X:value` lines per
//! installed package (`P:` name, `V:` version, `A:` architecture, `o:` origin, the source
//! package Alpine advisories are keyed by), paragraphs separated by blank lines.

use crate::error::{FileKind, VulnError};
use crate::inventory::{Package, PackageManager, SourcePackage};

#[derive(Default)]
struct Paragraph {
    first_line: usize,
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    origin: Option<String>,
}

pub fn parse_installed(bytes: &[u8]) -> Result<Vec<Package>, VulnError> {
    let text = String::from_utf8_lossy(bytes);
    let mut packages = Vec::new();
    let mut paragraph = Paragraph::default();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            finish(std::mem::take(&mut paragraph), &mut packages)?;
            continue;
        }
        let (key, value) = match line.split_at_checked(1) {
            Some((key, rest)) if rest.starts_with(':') => (key, rest[1..].trim()),
            _ => return Err(VulnError::syntax(FileKind::ApkInstalled, number, "expected an `X:value` line")),
        };
        if paragraph.first_line == 0 {
            paragraph.first_line = number;
        }
        let value = Some(value.to_string());
        match key {
            "P" => paragraph.name = value,
            "V" => paragraph.version = value,
            "A" => paragraph.arch = value,
            "o" => paragraph.origin = value,
            _ => {}
        }
    }
    finish(paragraph, &mut packages)?;
    Ok(packages)
}

fn finish(paragraph: Paragraph, packages: &mut Vec<Package>) -> Result<(), VulnError> {
    if paragraph.first_line == 0 {
        return Ok(());
    }
    let missing = |field: &str| {
        VulnError::syntax(FileKind::ApkInstalled, paragraph.first_line, format!("package has no {field} line"))
    };
    let name = paragraph.name.filter(|n| !n.is_empty()).ok_or_else(|| missing("P: (name)"))?;
    let version = paragraph.version.filter(|v| !v.is_empty()).ok_or_else(|| missing("V: (version)"))?;
    // Subpackages share their origin's version; a package without an origin is its own.
    let source_name = paragraph.origin.filter(|o| !o.is_empty()).unwrap_or_else(|| name.clone());
    packages.push(Package {
        manager: PackageManager::Apk,
        source: Some(SourcePackage { name: source_name, version: version.clone() }),
        name,
        version,
        arch: paragraph.arch,
        location: None,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTALLED: &str = "\
C:Q1kM0E2cMnb5TlC3J2ho4OQ9UeA/g=
P:libcrypto3
V:3.1.4-r5
A:x86_64
S:1818442
I:4984832
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1706535853
c:f0e0dfee1e4bcd7d0d5ef5e76a4bc1bcf5d7f9a6
D:so:libc.musl-x86_64.so.1
p:so:libcrypto.so.3=3
F:lib
R:libcrypto.so.3
a:0:0:755
Z:Q1mvIfjwGhTtK6HvYmz7ZRYQ0wzAs=

P:musl
V:1.2.4_git20230717-r4
A:x86_64
o:musl

P:alpine-baselayout-data
V:3.4.3-r2
";

    #[test]
    fn inventories_packages_with_their_origin() {
        let packages = parse_installed(INSTALLED.as_bytes()).unwrap();
        let summary: Vec<(&str, &str, &str)> = packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.source.as_ref().unwrap().name.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                ("libcrypto3", "3.1.4-r5", "openssl"),
                ("musl", "1.2.4_git20230717-r4", "musl"),
                ("alpine-baselayout-data", "3.4.3-r2", "alpine-baselayout-data"),
            ]
        );
        assert_eq!(packages[0].source.as_ref().unwrap().version, "3.1.4-r5");
        assert_eq!(packages[0].arch.as_deref(), Some("x86_64"));
        assert!(packages.iter().all(|p| p.manager == PackageManager::Apk));
    }

    #[test]
    fn reports_malformed_entries_with_their_line() {
        let err = parse_installed(b"P:a\nV:1.0-r0\n\nP:b\nA:x86_64\n").unwrap_err();
        assert!(
            matches!(&err, VulnError::Syntax { kind: FileKind::ApkInstalled, line: 4, message } if message.contains("V:")),
            "{err:?}"
        );
        let err = parse_installed(b"P:a\nversion 1\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { line: 2, .. }), "{err:?}");
        assert_eq!(parse_installed(b"\n\n").unwrap(), []);
    }
}
