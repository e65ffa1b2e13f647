//! OSV records (the osv.dev schema, <https://ossf.github.io/osv-schema/>) and loading a directory
//! of them, as the per-ecosystem export unpacks.
//!
//! Only the fields matching and reporting use are typed; the rest of a record is ignored. Types
//! serialize back to the same shape, so a store can keep them as JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{FileKind, VulnError};

/// One OSV record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the record was withdrawn; a withdrawn record never matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// The same vulnerability in other databases (CVE ids, GHSA ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Upstream vulnerabilities a distribution advisory bundles (Debian and Ubuntu put the CVE
    /// ids here rather than in `aliases`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

impl Vulnerability {
    /// Parses one record from JSON.
    pub fn from_json(json: &[u8]) -> Result<Self, VulnError> {
        serde_json::from_slice(json).map_err(|source| VulnError::json(FileKind::OsvRecord, source))
    }

    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }

    /// `aliases` then `upstream`, without repeats: every other id this record is known by.
    pub fn related_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::with_capacity(self.aliases.len() + self.upstream.len());
        for id in self.aliases.iter().chain(&self.upstream) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    }
}

/// A quantitative severity: `type` (`CVSS_V3`, `CVSS_V4`, `Ubuntu`...) and its score (a CVSS
/// vector, or a word).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityScore {
    #[serde(rename = "type")]
    pub kind: String,
    pub score: String,
}

/// The versions of one package a record affects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// Absent only in records that describe GIT ranges of a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
    /// Package-level severity; when given, the record has no top-level one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityScore>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Every affected version, enumerated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    pub ecosystem: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default)]
    pub events: Vec<Event>,
}

/// How a range's versions are ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RangeKind {
    /// SemVer 2.0.0 precedence, whatever the ecosystem.
    Semver,
    /// The ecosystem's own version order.
    Ecosystem,
    /// Commit hashes; needs the repository, so never matched here.
    Git,
    Other(String),
}

impl From<String> for RangeKind {
    fn from(kind: String) -> Self {
        match kind.as_str() {
            "SEMVER" => Self::Semver,
            "ECOSYSTEM" => Self::Ecosystem,
            "GIT" => Self::Git,
            _ => Self::Other(kind),
        }
    }
}

impl From<RangeKind> for String {
    fn from(kind: RangeKind) -> Self {
        match kind {
            RangeKind::Semver => "SEMVER".into(),
            RangeKind::Ecosystem => "ECOSYSTEM".into(),
            RangeKind::Git => "GIT".into(),
            RangeKind::Other(kind) => kind,
        }
    }
}

/// One step of a range's timeline. `introduced: "0"` means "before every version"; a `limit`
/// containing `*` means "no limit".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// Reads every `*.json` file in `dir` (not its subdirectories) as one OSV record, in file-name
/// order. The first file that cannot be read or parsed fails the load, naming its path and
/// serde's line and column.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Vec<Vulnerability>, VulnError> {
    let dir = dir.as_ref();
    let read_error = |path: &Path, source| VulnError::Read { path: path.to_path_buf(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "json") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|e| read_error(&path, e))?;
            serde_json::from_slice(&bytes).map_err(|source| VulnError::OsvRecord {
                line: source.line(),
                column: source.column(),
                path,
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Debian record shaped like osv.dev's export (facts from DSA-5532-1: openssl in bookworm,
    /// fixed in 3.0.11-1~deb12u2).
    const DEBIAN_RECORD: &str = r#"{
        "id": "DSA-5532-1",
        "modified": "2023-10-31T00:00:00Z",
        "upstream": ["CVE-2023-5363"],
        "summary": "openssl - security update",
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": "openssl", "purl": "pkg:deb/debian/openssl?arch=source"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}],
            "versions": ["3.0.9-1", "3.0.11-1~deb12u1"],
            "ecosystem_specific": {"urgency": "not yet assigned"}
        }],
        "schema_version": "1.6.0"
    }"#;

    #[test]
    fn parses_an_osv_record() {
        let record = Vulnerability::from_json(DEBIAN_RECORD.as_bytes()).unwrap();
        assert_eq!(record.id, "DSA-5532-1");
        assert_eq!(record.related_ids(), ["CVE-2023-5363"]);
        let affected = &record.affected[0];
        let package = affected.package.as_ref().unwrap();
        assert_eq!((package.ecosystem.as_str(), package.name.as_str()), ("Debian:12", "openssl"));
        assert_eq!(affected.ranges[0].kind, RangeKind::Ecosystem);
        assert_eq!(affected.ranges[0].events, [Event::Introduced("0".into()), Event::Fixed("3.0.11-1~deb12u2".into())]);
        assert_eq!(affected.versions.len(), 2);
        assert!(!record.is_withdrawn());
    }

    #[test]
    fn parses_severity_last_affected_limit_and_unknown_range_types() {
        let record = Vulnerability::from_json(
            br#"{"id": "GHSA-xxxx", "aliases": ["CVE-2024-0001", "CVE-2024-0001"], "withdrawn": "2024-02-01T00:00:00Z",
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
                  "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.3.0"}, {"limit": "*"}]},
                             {"type": "BISECT", "events": [{"introduced": "0"}]}]}]}"#,
        )
        .unwrap();
        assert!(record.is_withdrawn());
        assert_eq!(record.related_ids(), ["CVE-2024-0001"]);
        assert_eq!(record.severity[0].kind, "CVSS_V3");
        let ranges = &record.affected[0].ranges;
        assert_eq!(ranges[0].kind, RangeKind::Semver);
        assert_eq!(ranges[0].events[1], Event::LastAffected("1.3.0".into()));
        assert_eq!(ranges[0].events[2], Event::Limit("*".into()));
        assert_eq!(ranges[1].kind, RangeKind::Other("BISECT".into()));
    }

    #[test]
    fn serializes_back_to_the_same_shape() {
        let record = Vulnerability::from_json(DEBIAN_RECORD.as_bytes()).unwrap();
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["affected"][0]["ranges"][0]["type"], "ECOSYSTEM");
        assert_eq!(json["affected"][0]["ranges"][0]["events"][1]["fixed"], "3.0.11-1~deb12u2");
        assert_eq!(Vulnerability::from_json(json.to_string().as_bytes()).unwrap(), record);
    }

    #[test]
    fn loads_a_directory_of_records_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.json"), DEBIAN_RECORD).unwrap();
        std::fs::write(dir.path().join("a.json"), r#"{"id": "RUSTSEC-2024-0001"}"#).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a record").unwrap();
        std::fs::create_dir(dir.path().join("nested.json")).unwrap();
        let records = load_dir(dir.path()).unwrap();
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["RUSTSEC-2024-0001", "DSA-5532-1"]);
    }

    #[test]
    fn a_malformed_record_is_reported_with_its_path_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("good.json"), DEBIAN_RECORD).unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\n  \"id\": \"X-1\",\n  \"affected\": [{\"ranges\": [{\"type\": \"SEMVER\", \"events\": [{\"fixed\": 3}]}]}]\n}").unwrap();
        let err = load_dir(dir.path()).unwrap_err();
        match &err {
            VulnError::OsvRecord { path, line, .. } => {
                assert_eq!(path, &bad);
                assert_eq!(*line, 3);
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(err.to_string().starts_with(&format!("{}:3:", bad.display())), "{err}");
    }

    #[test]
    fn a_missing_directory_is_reported_with_its_path() {
        let err = load_dir("/nonexistent/osv").unwrap_err();
        assert!(matches!(&err, VulnError::Read { path, .. } if path == Path::new("/nonexistent/osv")), "{err:?}");
    }
}
