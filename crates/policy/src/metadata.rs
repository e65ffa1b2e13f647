//! Parses a policy's `# METADATA` comment block (the OPA annotation convention): YAML in comment
//! lines directly above `package`, with Palisade's fields under `custom`. The parsed
//! [`PolicyMetadata`] is a plain `palisade-model` type, so reports can read it without this crate.

use crate::PolicyError;
use palisade_model::{Compliance, PolicyId, PolicyMetadata, Severity};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnnotations {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    related_resources: Vec<serde_norway::Value>,
    custom: RawCustom,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustom {
    id: String,
    severity: String,
    resource_types: Vec<String>,
    #[serde(default)]
    remediation: String,
    #[serde(default)]
    remediation_id: Option<String>,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    compliance: Compliance,
}

/// Finds and parses the METADATA block of `source` (from file `path`).
pub(crate) fn parse(path: &str, source: &str) -> Result<PolicyMetadata, PolicyError> {
    let lines: Vec<&str> = source.lines().collect();
    let Some(start) = lines.iter().position(|l| l.trim() == "# METADATA") else {
        return Err(PolicyError::Metadata { path: path.into(), line: 1, message: "no `# METADATA` block".into() });
    };
    let mut yaml = String::new();
    for line in &lines[start + 1..] {
        let Some(rest) = line.trim_start().strip_prefix('#') else { break };
        yaml.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        yaml.push('\n');
    }
    // Line numbers in messages are 1-based lines of the .rego file.
    let first_yaml_line = start + 2;
    let err = |line: usize, message: String| PolicyError::Metadata { path: path.into(), line, message };
    let raw: RawAnnotations = serde_norway::from_str(&yaml).map_err(|e| {
        let line = e.location().map(|l| first_yaml_line + l.line() - 1).unwrap_or(start + 1);
        err(line, e.to_string())
    })?;
    let _ = (&raw.scope, &raw.related_resources);
    let id = PolicyId::new(raw.custom.id).map_err(|e| err(start + 1, e.to_string()))?;
    let severity = raw.custom.severity.parse::<Severity>().map_err(|e| err(start + 1, e.to_string()))?;
    if raw.custom.resource_types.is_empty() {
        return Err(err(start + 1, "custom.resource_types must name at least one resource type".into()));
    }
    Ok(PolicyMetadata {
        id,
        title: raw.title,
        description: raw.description,
        severity,
        resource_types: raw.custom.resource_types,
        remediation: raw.custom.remediation,
        remediation_id: raw.custom.remediation_id,
        references: raw.custom.references,
        compliance: raw.custom.compliance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str) -> Result<PolicyMetadata, String> {
        parse("p.rego", source).map_err(|e| e.to_string())
    }

    const GOOD: &str = "# METADATA\n# title: T\n# description: D\n# custom:\n#   id: AWS.S3.Bucket.X\n#   severity: high\n#   resource_types: [AWS.S3.Bucket]\n#   compliance:\n#     cis-aws-foundations-3.0: [\"2.1.1\"]\npackage palisade.aws.s3.x\n";

    #[test]
    fn parses_fields() {
        let m = check(GOOD).unwrap();
        assert_eq!(m.id.as_str(), "AWS.S3.Bucket.X");
        assert_eq!(m.severity, Severity::High);
        assert_eq!(m.resource_types, vec!["AWS.S3.Bucket"]);
        assert_eq!(m.compliance["cis-aws-foundations-3.0"], vec!["2.1.1"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let bad_yaml = GOOD.replace("#   severity: high", "#   severity: [high");
        let e = check(&bad_yaml).unwrap_err();
        assert!(e.starts_with("p.rego:"), "{e}");
        assert!(check(&GOOD.replace("severity: high", "severity: severe")).unwrap_err().contains("unknown severity"));
        assert!(check(&GOOD.replace("AWS.S3.Bucket.X", "bad id")).unwrap_err().contains("p.rego:1:"));
        assert!(check("package x\n").unwrap_err().contains("no `# METADATA` block"));
        let unknown = GOOD.replace("#   severity: high", "#   severity: high\n#   sevrity: low");
        assert!(check(&unknown).unwrap_err().contains("sevrity"));
    }
}
