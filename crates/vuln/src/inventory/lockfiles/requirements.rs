//! `requirements.txt` (pip's requirements file format): one requirement per line, `\`
//! continuations, `#` comments, `-r`/`-e`/`--index-url` option lines. Only exact pins
//! (`name==version`, with optional extras, environment marker and `--hash` options) say what is
//! installed; ranges, wildcards (`==1.*`), arbitrary equality (`===`) and URL or path
//! requirements are left out.

use super::{dedup, utf8};
use crate::error::{FileKind, VulnError};
use crate::inventory::{Package, PackageManager};

pub fn parse_requirements(bytes: &[u8]) -> Result<Vec<Package>, VulnError> {
    let text = utf8(FileKind::RequirementsTxt, bytes)?;
    let mut packages = Vec::new();
    for (line_number, line) in logical_lines(text) {
        let line = strip_comment(&line).trim();
        if line.is_empty() || line.starts_with('-') {
            continue;
        }
        if let Some((name, version)) =
            parse_pin(line).map_err(|message| VulnError::syntax(FileKind::RequirementsTxt, line_number, message))?
        {
            packages.push(Package::new(PackageManager::Pip, name, version));
        }
    }
    Ok(dedup(packages))
}

/// Lines with their `\` continuations joined, each with the number of the line it starts on.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (index, line) in text.lines().enumerate() {
        if current.is_empty() {
            start = index + 1;
        }
        match line.strip_suffix('\\') {
            Some(continued) => {
                current.push_str(continued);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                lines.push((start, std::mem::take(&mut current)));
            }
        }
    }
    if !current.trim().is_empty() {
        lines.push((start, current));
    }
    lines
}

/// A `#` starts a comment at the start of a line or after whitespace (not inside a URL fragment).
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let cut = (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()));
    &line[..cut.unwrap_or(line.len())]
}

/// `name[extras] == version ; marker --hash=...` -> `(name, version)`; `None` for anything that
/// is not an exact pin.
fn parse_pin(line: &str) -> Result<Option<(&str, &str)>, &'static str> {
    let requirement = line.split(';').next().unwrap_or("");
    let requirement = match requirement.find(" --").or_else(|| requirement.find("\t--")) {
        Some(options) => &requirement[..options],
        None => requirement,
    }
    .trim();
    if requirement.contains(" @ ") || requirement.contains("://") || requirement.starts_with(['.', '/']) {
        return Ok(None);
    }
    let name_end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(requirement.len());
    let name = &requirement[..name_end];
    if name.is_empty() {
        return Err("expected a package name");
    }
    let mut rest = requirement[name_end..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let (_, after) = extras.split_once(']').ok_or("unclosed [extras]")?;
        rest = after.trim_start();
    }
    if rest.is_empty() {
        return Ok(None);
    }
    let Some(version) = rest.strip_prefix("==") else {
        return if rest.starts_with(['<', '>', '!', '~', '=']) {
            Ok(None)
        } else {
            Err("unexpected text after the package name")
        };
    };
    let version = version.trim();
    if version.starts_with('=') || version.is_empty() || version.contains([',', '*']) {
        return Ok(None);
    }
    if version.contains(char::is_whitespace) {
        return Err("unexpected text after the pinned version");
    }
    Ok(Some((name, version)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inventories_exact_pins_only() {
        let text = "\
# production requirements
-r base.txt
--index-url https://pypi.example.com/simple
-e ./local-package
Django==4.2.7
requests[socks,security] == 2.31.0 ; python_version >= \"3.7\"
urllib3==2.0.7 \\
    --hash=sha256:aaaa \\
    --hash=sha256:bbbb
numpy>=1.26
pandas~=2.1.0
scipy==1.11.*
flask===3.0.0
celery==5.3.4,!=5.3.5
pip @ https://github.com/pypa/pip/archive/22.0.2.zip
https://example.com/pkg-1.0.tar.gz
./vendor/thing
six
Jinja2==3.1.2  # pinned for CVE fixes
django==4.2.7
";
        let packages = parse_requirements(text.as_bytes()).unwrap();
        let summary: Vec<(&str, &str)> = packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(summary, [("Django", "4.2.7"), ("requests", "2.31.0"), ("urllib3", "2.0.7"), ("Jinja2", "3.1.2")]);
        assert!(packages.iter().all(|p| p.manager == PackageManager::Pip));
    }

    #[test]
    fn reports_malformed_lines_with_the_line_they_start_on() {
        let err = parse_requirements(b"Django==4.2.7\nflask \\\n  ==3.0.0 extra\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { kind: FileKind::RequirementsTxt, line: 2, .. }), "{err:?}");
        let err = parse_requirements(b"requests[socks==2.31.0\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { line: 1, .. }), "{err:?}");
        let err = parse_requirements(b"==1.0\n").unwrap_err();
        assert!(matches!(err, VulnError::Syntax { line: 1, .. }), "{err:?}");
    }
}
