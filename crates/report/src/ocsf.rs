//! Findings as OCSF (Open Cybersecurity Schema Framework) 1.1.0 Detection Findings (class_uid
//! 2004), the event class Prowler emits, so Palisade output loads into the same pipelines
//! (Security Lake, SIEMs with OCSF mappings). Output is one JSON array of events.
//!
//! Mapping, following Prowler where OCSF leaves a choice:
//! - `activity_id` 1 (Create) and `type_uid` = `class_uid * 100 + activity_id` = 200401;
//! - `status_code` is Palisade's verdict (PASS, FAIL, ERROR) and `status_detail` its message;
//!   `status_id` is the finding's lifecycle: 4 (Resolved) for a PASS that used to fail, else 1 (New);
//! - `severity_id`: INFO 1, LOW 2, MEDIUM 3, HIGH 4, CRITICAL 5;
//! - `time` is when the verdict was last confirmed (`last_seen`), in milliseconds since the epoch
//!   as OCSF's `timestamp_t` requires;
//! - `finding_info.uid` is stable per (policy, resource), the key of a finding;
//! - the `cloud` profile carries the account and region; Palisade's own fields that have no OCSF
//!   attribute (compliance, source) go to `unmapped`.

use crate::error::write_err;
use crate::{Catalog, ReportError};
use chrono::{DateTime, SecondsFormat, Utc};
use palisade_model::{Finding, FindingStatus, Severity};
use serde_json::{json, Map, Value};
use std::io::Write;

/// The OCSF schema version the events follow (`metadata.version`).
pub const OCSF_VERSION: &str = "1.1.0";

const CLASS_UID: u32 = 2004;
const CATEGORY_UID: u32 = 2;
const ACTIVITY_CREATE: u32 = 1;
/// OCSF account `type_id` for an AWS account.
const AWS_ACCOUNT: u32 = 10;

/// Writes `findings` as a JSON array of OCSF Detection Findings. The catalog supplies what a
/// finding does not carry (description, remediation); a policy it lacks just omits those.
pub fn write_ocsf(out: &mut dyn Write, findings: &[Finding], catalog: &Catalog<'_>) -> Result<(), ReportError> {
    let events: Vec<Value> = findings.iter().map(|f| event(f, catalog)).collect();
    serde_json::to_writer_pretty(&mut *out, &events).map_err(|source| ReportError::Json { format: "OCSF", source })?;
    writeln!(out).and_then(|()| out.flush()).map_err(write_err("OCSF"))
}

fn event(f: &Finding, catalog: &Catalog<'_>) -> Value {
    let policy = catalog.get(f.policy_id.as_str());
    let (severity_id, severity) = severity(f.severity);
    let (status_id, status) = match (f.status, f.resolved_at) {
        (FindingStatus::Pass, Some(_)) => (4, "Resolved"),
        _ => (1, "New"),
    };
    let provider = provider(&f.resource_type);
    let labels: Vec<&str> = [f.label.as_str()].into_iter().filter(|l| !l.is_empty()).collect();

    let mut finding_info = json!({
        "uid": format!("palisade-{}-{}", f.policy_id, f.resource_id),
        "title": f.title,
        "created_time": millis(f.first_seen),
        "first_seen_time": millis(f.first_seen),
        "last_seen_time": millis(f.last_seen),
        "product_uid": "palisade",
    });
    if let Some(p) = policy.filter(|p| !p.description.is_empty()) {
        finding_info["desc"] = json!(p.description);
    }
    let mut resource = json!({
        "uid": f.resource_id,
        "type": f.resource_type,
        "region": f.region,
        "labels": labels,
    });
    if let Some(partition) = arn_partition(f.resource_id.as_str()) {
        resource["cloud_partition"] = json!(partition);
    }
    if let Some(service) = f.resource_type.split('.').nth(1) {
        resource["group"] = json!({ "name": service });
    }
    let mut account = json!({ "uid": f.account_id, "type_id": AWS_ACCOUNT, "type": "AWS Account" });
    if !labels.is_empty() {
        account["labels"] = json!(labels);
    }
    let mut unmapped = Map::new();
    unmapped.insert("compliance".into(), json!(f.compliance));
    unmapped.insert("source".into(), json!(f.source));
    if let Some(t) = f.resolved_at {
        unmapped.insert("resolved_at".into(), json!(rfc3339(t)));
    }

    let mut e = json!({
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "Palisade",
                "vendor_name": "Palisade",
                "uid": "palisade",
                "version": env!("CARGO_PKG_VERSION"),
            },
            "event_code": f.policy_id,
            "profiles": ["cloud", "datetime"],
        },
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": millis(f.last_seen),
        "time_dt": rfc3339(f.last_seen),
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "status_code": f.status.as_str(),
        "status_detail": f.message,
        "message": if f.message.is_empty() { &f.title } else { &f.message },
        "finding_info": finding_info,
        "resources": [resource],
        "cloud": { "provider": provider, "region": f.region, "account": account },
        "unmapped": unmapped,
    });
    if let Some(p) = policy.filter(|p| !p.remediation.is_empty() || !p.references.is_empty()) {
        e["remediation"] = json!({ "desc": p.remediation, "references": p.references });
    }
    e
}

fn severity(s: Severity) -> (u32, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The cloud provider, from the resource type's prefix (`AWS.S3.Bucket` -> `AWS`).
fn provider(resource_type: &str) -> &str {
    resource_type.split('.').next().filter(|p| !p.is_empty()).unwrap_or("Unknown")
}

/// `aws`, `aws-cn`, `aws-us-gov` from an ARN; `None` for ids that are not ARNs.
fn arn_partition(id: &str) -> Option<&str> {
    let mut parts = id.split(':');
    (parts.next() == Some("arn")).then(|| parts.next()).flatten().filter(|p| !p.is_empty())
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{finding, policies};
    use palisade_model::FindingStatus::{Error, Fail, Pass};

    fn check(findings: &[Finding]) -> Vec<Value> {
        let metas = policies();
        let mut out = Vec::new();
        write_ocsf(&mut out, findings, &Catalog::new(&metas)).unwrap();
        serde_json::from_slice::<Vec<Value>>(&out).unwrap()
    }

    #[test]
    fn detection_finding_required_fields_and_ids() {
        let events = check(&[finding("Test.Sg", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1", Fail)]);
        let e = &events[0];
        assert_eq!((e["class_uid"].as_u64(), e["category_uid"].as_u64()), (Some(2004), Some(2)));
        assert_eq!(e["type_uid"].as_u64(), Some(2004 * 100 + e["activity_id"].as_u64().unwrap()));
        assert_eq!((e["severity_id"].as_u64(), e["severity"].as_str()), (Some(4), Some("High")));
        assert_eq!((e["status_id"].as_u64(), e["status"].as_str()), (Some(1), Some("New")));
        assert_eq!(e["status_code"], "FAIL");
        assert_eq!(e["time"].as_i64(), Some(1_717_200_000_000));
        assert_eq!(e["metadata"]["version"], OCSF_VERSION);
        assert_eq!(e["metadata"]["product"]["name"], "Palisade");
        assert_eq!(e["finding_info"]["uid"], "palisade-Test.Sg-arn:aws:ec2:us-east-1:123456789012:security-group/sg-1");
        assert_eq!(e["finding_info"]["title"], "Test.Sg title");
        assert_eq!(e["finding_info"]["desc"], "Test.Sg description");
        assert_eq!(e["cloud"]["provider"], "AWS");
        assert_eq!(e["cloud"]["account"]["uid"], "123456789012");
        assert_eq!(e["cloud"]["account"]["type_id"], AWS_ACCOUNT);
        let r = &e["resources"][0];
        assert_eq!(r["type"], "AWS.EC2.SecurityGroup");
        assert_eq!((r["cloud_partition"].as_str(), r["group"]["name"].as_str()), (Some("aws"), Some("EC2")));
        assert_eq!(e["remediation"]["desc"], "Fix <Test.Sg> & retry.");
        assert_eq!(e["unmapped"]["compliance"]["test-fw-1.0"][0], "2.1");
    }

    #[test]
    fn lifecycle_and_unknown_policies() {
        let mut resolved = finding("Test.Bucket", "b", Pass);
        resolved.resolved_at = Some(resolved.last_seen);
        let events = check(&[resolved, finding("Not.Known", "x", Error)]);
        assert_eq!((events[0]["status_id"].as_u64(), events[0]["status"].as_str()), (Some(4), Some("Resolved")));
        assert_eq!(events[0]["status_code"], "PASS");
        // A pass has no message: the event's message falls back to the title.
        assert_eq!(events[0]["message"], "Test.Bucket title");
        assert_eq!(events[1]["status_code"], "ERROR");
        assert!(events[1].get("remediation").is_none() && events[1]["finding_info"].get("desc").is_none());
        assert!(events[1]["resources"][0].get("cloud_partition").is_none());
    }

    #[test]
    fn no_findings_is_an_empty_array() {
        assert!(check(&[]).is_empty());
    }
}
