//! Small inputs shared by the unit tests: a four-control framework, the policies that back it,
//! and findings of those policies.

use chrono::{DateTime, TimeZone, Utc};
use palisade_model::{
    AccountId, Control, Finding, FindingStatus, Framework, PolicyId, PolicyMetadata, Region, ResourceId, Severity,
};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap()
}

/// `1.1` (manual), `2.1`, `5.2` and `5.3` of framework `test-fw-1.0`.
pub fn framework() -> Framework {
    let control = |id: &str, title: &str, section: &str, manual: bool| Control {
        id: id.into(),
        title: title.into(),
        section: section.into(),
        manual,
    };
    Framework {
        id: "test-fw-1.0".into(),
        title: "Test Benchmark".into(),
        version: "1.0.0".into(),
        controls: vec![
            control("1.1", "Maintain contacts", "1 Identity", true),
            control("2.1", "Ensure buckets are encrypted", "2 Storage", false),
            control("5.2", "Ensure no security groups allow ingress from 0.0.0.0/0", "5 Networking", false),
            control("5.3", "Ensure no security groups allow ingress from ::/0", "5 Networking", false),
        ],
    }
}

pub fn policy(id: &str, severity: Severity, resource_type: &str, controls: &[&str]) -> PolicyMetadata {
    let compliance = [("test-fw-1.0".to_string(), controls.iter().map(|c| c.to_string()).collect())].into();
    PolicyMetadata {
        id: PolicyId::new(id).unwrap(),
        title: format!("{id} title"),
        description: format!("{id} description"),
        severity,
        resource_types: vec![resource_type.into()],
        remediation: match id {
            "Test.Bucket" => "Turn on encryption.".into(),
            _ => format!("Fix <{id}> & retry."),
        },
        remediation_id: None,
        references: vec!["https://docs.example.com/fix".into()],
        compliance,
    }
}

/// `Test.Manual` backs 1.1, `Test.Bucket` (MEDIUM) 2.1, `Test.Sg` (HIGH) 5.2 and 5.3,
/// `Test.Nacl` (LOW) 5.2.
pub fn policies() -> Vec<PolicyMetadata> {
    vec![
        policy("Test.Manual", Severity::Low, "AWS.Account", &["1.1"]),
        policy("Test.Bucket", Severity::Medium, "AWS.S3.Bucket", &["2.1"]),
        policy("Test.Sg", Severity::High, "AWS.EC2.SecurityGroup", &["5.2", "5.3"]),
        policy("Test.Nacl", Severity::Low, "AWS.EC2.NetworkAcl", &["5.2"]),
    ]
}

/// A finding of `policy` on `resource` in account 123456789012 (label Prod). Failing messages
/// carry characters that every output must escape.
pub fn finding(policy: &str, resource: &str, status: FindingStatus) -> Finding {
    let (severity, resource_type) = policies()
        .into_iter()
        .find(|p| p.id.as_str() == policy)
        .map(|p| (p.severity, p.resource_types[0].clone()))
        .unwrap_or((Severity::Medium, "AWS.Other".into()));
    Finding {
        policy_id: PolicyId::new(policy).unwrap(),
        title: format!("{policy} title"),
        severity,
        status,
        resource_id: ResourceId::new(resource).unwrap(),
        resource_type,
        source: "default".into(),
        account_id: AccountId::new("123456789012").unwrap(),
        region: Region::new("us-east-1").unwrap(),
        label: "Prod".into(),
        message: match status {
            FindingStatus::Pass => String::new(),
            _ => format!("{resource} is <bad> & \"open\""),
        },
        compliance: [("test-fw-1.0".to_string(), vec!["2.1".to_string()])].into(),
        first_seen: now(),
        last_seen: now(),
        resolved_at: None,
    }
}
