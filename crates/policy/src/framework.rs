//! Parses a compliance framework file (`frameworks/<id>.yaml`): the benchmark's controls in
//! order, each with its id, title, section and whether it is assessed by hand.
//!
//! The file never says which policies back a control; policies say that in their own
//! `compliance` metadata, so a mapping is written in exactly one place.

use crate::PolicyError;
use palisade_model::{Control, Framework};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    id: String,
    title: String,
    version: String,
    controls: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    title: String,
    section: String,
    #[serde(default)]
    manual: bool,
}

/// Parses the framework in `source` (from file `path`). Its `id` must equal the file's name
/// without `.yaml`, so the file a policy's `compliance` key refers to is never ambiguous.
pub(crate) fn parse(path: &str, source: &str) -> Result<Framework, PolicyError> {
    let err = |line: usize, message: String| PolicyError::Framework { path: path.into(), line, message };
    let raw: RawFramework = serde_norway::from_str(source).map_err(|e| {
        let line = e.location().map(|l| l.line()).unwrap_or(1);
        err(line, e.to_string())
    })?;
    let id_line = top_level_line(source, "id").unwrap_or(1);
    let stem = file_stem(path);
    if raw.id != stem {
        return Err(err(id_line, format!("id {:?} must equal the file name {stem:?} (without .yaml)", raw.id)));
    }
    for (field, value) in [("title", &raw.title), ("version", &raw.version)] {
        if value.trim().is_empty() {
            return Err(err(top_level_line(source, field).unwrap_or(1), format!("{field} must not be empty")));
        }
    }
    if raw.controls.is_empty() {
        return Err(err(top_level_line(source, "controls").unwrap_or(1), "controls must not be empty".into()));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (index, c) in raw.controls.iter().enumerate() {
        let line = control_line(source, index);
        if c.id.trim().is_empty() || c.id.chars().any(char::is_whitespace) {
            return Err(err(line, format!("control id {:?} must be non-empty without spaces", c.id)));
        }
        if let Some(first) = seen.insert(c.id.as_str(), line) {
            return Err(err(line, format!("control {} is listed twice (first on line {first})", c.id)));
        }
        for (field, value) in [("title", &c.title), ("section", &c.section)] {
            if value.trim().is_empty() {
                return Err(err(line, format!("control {}: {field} must not be empty", c.id)));
            }
        }
    }
    Ok(Framework {
        id: raw.id,
        title: raw.title,
        version: raw.version,
        controls: raw
            .controls
            .into_iter()
            .map(|c| Control { id: c.id, title: c.title, section: c.section, manual: c.manual })
            .collect(),
    })
}

/// Whether `path` is a framework file: YAML inside a `frameworks` folder.
pub(crate) fn is_framework_path(path: &str) -> bool {
    let mut parts = path.rsplit(['/', '\\']);
    let name = parts.next().unwrap_or_default();
    (name.ends_with(".yaml") || name.ends_with(".yml")) && parts.next() == Some("frameworks")
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.strip_suffix(".yaml").or_else(|| name.strip_suffix(".yml")).unwrap_or(name)
}

/// The 1-based line of a top-level `key:`.
fn top_level_line(source: &str, key: &str) -> Option<usize> {
    source
        .lines()
        .position(|l| l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with(':')))
        .map(|i| i + 1)
}

/// The 1-based line where the `index`-th item of the `controls` list starts (its `- ` line). The
/// list holds flat mappings only, so every `- ` line after `controls:` starts an item.
fn control_line(source: &str, index: usize) -> usize {
    let start = top_level_line(source, "controls").unwrap_or(1);
    source
        .lines()
        .enumerate()
        .skip(start)
        .filter(|(_, l)| l.trim_start().starts_with("- "))
        .nth(index)
        .map(|(i, _)| i + 1)
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "id: cis-test-1.0\ntitle: Test Benchmark\nversion: 1.0.0\ncontrols:\n  - id: \"1.1\"\n    title: First\n    section: 1 One\n    manual: true\n  - id: \"1.10\"\n    title: Tenth\n    section: 1 One\n";

    fn check(path: &str, source: &str) -> Result<Framework, String> {
        parse(path, source).map_err(|e| e.to_string())
    }

    #[test]
    fn parses_controls_in_order() {
        let f = check("frameworks/cis-test-1.0.yaml", GOOD).unwrap();
        assert_eq!((f.id.as_str(), f.version.as_str()), ("cis-test-1.0", "1.0.0"));
        let ids: Vec<_> = f.controls.iter().map(|c| (c.id.as_str(), c.manual)).collect();
        assert_eq!(ids, vec![("1.1", true), ("1.10", false)]);
        assert_eq!(f.control("1.10").unwrap().section, "1 One");
        // An id read as text keeps its spelling even unquoted (1.10 is not the number 1.1).
        let unquoted = check("frameworks/cis-test-1.0.yaml", &GOOD.replace("\"1.10\"", "1.10")).unwrap();
        assert_eq!(unquoted.controls[1].id, "1.10");
    }

    #[test]
    fn errors_name_file_and_line() {
        let path = "frameworks/cis-test-1.0.yaml";
        let e = check(path, &GOOD.replace("\"1.10\"", "[1.10")).unwrap_err();
        assert!(e.starts_with("frameworks/cis-test-1.0.yaml:9:"), "{e}");
        let e = check(path, &GOOD.replace("\"1.10\"", "\"1.1\"")).unwrap_err();
        assert!(e.starts_with(&format!("{path}:9:")) && e.contains("listed twice (first on line 5)"), "{e}");
        let e = check(path, &GOOD.replace("title: Tenth", "title: \"\"")).unwrap_err();
        assert!(e.starts_with(&format!("{path}:9:")) && e.contains("title must not be empty"), "{e}");
        let e = check(path, &GOOD.replace("    manual: true", "    manul: true")).unwrap_err();
        assert!(e.starts_with(&format!("{path}:")) && e.contains("manul"), "{e}");
        let e = check("frameworks/other.yaml", GOOD).unwrap_err();
        assert!(e.starts_with("frameworks/other.yaml:1:") && e.contains("file name"), "{e}");
        let e = check(path, "id: cis-test-1.0\ntitle: T\nversion: \"1\"\ncontrols: []\n").unwrap_err();
        assert!(e.starts_with(&format!("{path}:4:")), "{e}");
    }

    #[test]
    fn recognises_framework_paths() {
        assert!(is_framework_path("policies/frameworks/cis.yaml"));
        assert!(is_framework_path("frameworks/cis.yml"));
        assert!(!is_framework_path("policies/aws/s3/x.rego"));
        assert!(!is_framework_path("policies/aws/config.yaml"));
    }
}
