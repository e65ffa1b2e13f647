//! `palisade report --framework cis-aws-foundations-3.0` end to end: two emulator accounts planted
//! by boto3 (scripts/emulator/plant_cis.py), one deliberately compliant and one deliberately failing
//! for every CIS v3.0.0 control the emulator can express, scanned by the binary, then reported.

mod common;

use common::*;
use palisade_testkit::TestAccount;
use std::collections::BTreeMap;

const FRAMEWORK: &str = "cis-aws-foundations-3.0";

/// Runs scripts/emulator/plant_cis.py in `account` and returns its JSON summary.
fn plant_cis(account: &TestAccount, mode: &str) -> serde_json::Value {
    let out = std::process::Command::new(palisade_testkit::python())
        .arg(palisade_testkit::repo_root().join("scripts/emulator/plant_cis.py"))
        .args([
            "--endpoint",
            &palisade_testkit::endpoint(),
            "--control",
            &palisade_testkit::control_endpoint(),
            "--account-id",
            &account.account_id,
            "--mode",
            mode,
        ])
        .output()
        .expect("run plant_cis.py");
    assert!(out.status.success(), "plant_cis.py --mode {mode} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("plant_cis.py prints JSON")
}

/// Scans `account` into a fresh store and returns (the JSON report, the store's directory).
fn scan_and_report(account: &TestAccount) -> (serde_json::Value, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = run(palisade_as(account, dir.path())
        .args(["scan", "--regions", "us-east-1", "--format", "json", "--db"])
        .arg(db(dir.path())));
    assert!(out.status.success(), "scan failed: {}", stderr(&out));
    let out = run(palisade()
        .args(["report", "--framework", FRAMEWORK, "--format", "json", "--account-id", &account.account_id, "--db"])
        .arg(db(dir.path())));
    assert!(out.status.success(), "report failed: {}", stderr(&out));
    (json(&out), dir)
}

fn by_id(report: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    report["controls"]
        .as_array()
        .expect("controls array")
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

/// The resource ids among a control's failing resources (entries are ids or objects naming one).
fn failing(control: &serde_json::Value) -> Vec<String> {
    control["failing_resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r {
            serde_json::Value::String(s) => s.clone(),
            other => other["resource_id"].as_str().or(other["id"].as_str()).unwrap_or_default().to_string(),
        })
        .collect()
}

/// Control ids and manual flags of the framework file, in order.
fn framework_controls() -> Vec<(String, bool)> {
    let path = palisade_testkit::repo_root().join("policies/frameworks/cis-aws-foundations-3.0.yaml");
    let text = std::fs::read_to_string(path).expect("framework file");
    let mut controls: Vec<(String, bool)> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(id) = t.strip_prefix("- id:") {
            controls.push((id.trim().trim_matches('"').to_string(), false));
        } else if t == "manual: true" {
            controls.last_mut().expect("manual after an id").1 = true;
        }
    }
    controls
}

/// Controls planted both ways: PASS in the compliant account, FAIL in the noncompliant one.
const PLANTED: &[&str] = &[
    "1.8", "1.9", "1.10", "1.12", "1.13", "1.14", "1.15", "1.16", "1.17", // IAM
    "2.1.1", "2.1.4", "2.2.1", "2.3.1", "2.3.2", "2.3.3", "2.4.1", // storage
    "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", // logging
    "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.9", "4.10", "4.11", "4.12", "4.13", "4.14", "4.15",
    "4.16", // monitoring
    "5.1", "5.2", "5.3", "5.4", "5.6", // networking
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cis_report_gives_the_planted_status_for_every_control() {
    let good = TestAccount::new().await;
    let bad = TestAccount::new().await;
    plant_cis(&good, "compliant");
    let planted = plant_cis(&bad, "noncompliant");
    let (good_report, _good_dir) = scan_and_report(&good);
    let (bad_report, bad_dir) = scan_and_report(&bad);
    let (g, b) = (by_id(&good_report), by_id(&bad_report));
    let acct = &bad.account_id;

    // Every control of the framework file, once, in both reports; at least 45 backed by policies.
    let controls = framework_controls();
    assert_eq!(controls.len(), 62, "CIS v3.0.0 has 62 recommendations");
    for report in [&good_report, &bad_report] {
        let ids: Vec<&str> = report["controls"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        let expected: Vec<&str> = controls.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, expected, "the report lists every control of the framework, in order");
        let backed = report["controls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !c["policies"].as_array().unwrap().is_empty())
            .count();
        assert!(backed >= 45, "only {backed} controls are backed by policies");
        assert_eq!(report["summary"]["controls"], 62);
    }

    // Manual controls are MANUAL whatever their policies find (2.1.2 is manual but backed).
    for (id, manual) in &controls {
        if *manual {
            assert_eq!(g[id]["status"], "MANUAL", "{id} (compliant)");
            assert_eq!(b[id]["status"], "MANUAL", "{id} (noncompliant)");
        }
    }

    // Every planted control: PASS when compliant, FAIL when not.
    for id in PLANTED {
        assert!(!g[*id]["policies"].as_array().unwrap().is_empty(), "{id} is backed by a policy");
        assert_eq!(g[*id]["status"], "PASS", "{id} in the compliant account: {}", g[*id]);
        assert_eq!(b[*id]["status"], "FAIL", "{id} in the noncompliant account: {}", b[*id]);
        assert!(failing(&g[*id]).is_empty(), "{id}: no failing resources when compliant");
        assert!(!failing(&b[*id]).is_empty(), "{id}: a FAIL names its failing resources");
    }

    // The failing resource is named, for a few.
    let names = |id: &str, want: &str| {
        assert!(failing(&b[id]).iter().any(|r| r == want), "{id} should name {want}: {:?}", failing(&b[id]));
    };
    names("1.8", &format!("arn:aws:iam::{acct}:account-password-policy"));
    names("1.10", &format!("arn:aws:iam::{acct}:user/cis-console-user"));
    names("1.13", &format!("arn:aws:iam::{acct}:user/cis-keys-user"));
    names("1.15", &format!("arn:aws:iam::{acct}:user/cis-direct-policy-user"));
    names("1.16", &format!("arn:aws:iam::{acct}:policy/cis-admin"));
    names("2.1.1", &format!("arn:aws:s3:::cis-data-{acct}"));
    names("2.3.1", &format!("arn:aws:rds:us-east-1:{acct}:db:cis-db"));
    names("3.2", &format!("arn:aws:cloudtrail:us-east-1:{acct}:trail/cis-trail"));
    names("3.6", &format!("arn:aws:kms:us-east-1:{acct}:key/{}", planted["planted"]["3.6"][0].as_str().unwrap()));
    names("4.1", &format!("arn:aws:cloudwatch::{acct}:monitoring"));
    names(
        "5.1",
        &format!("arn:aws:ec2:us-east-1:{acct}:network-acl/{}", planted["planted"]["5.1"][0].as_str().unwrap()),
    );
    names(
        "5.2",
        &format!("arn:aws:ec2:us-east-1:{acct}:security-group/{}", planted["planted"]["5.2"][0].as_str().unwrap()),
    );
    names("5.6", &format!("arn:aws:ec2:us-east-1:{acct}:instance/{}", planted["planted"]["5.6"][0].as_str().unwrap()));

    // What the emulator cannot plant both ways, asserted as it comes out:
    // 1.4: root access keys cannot be created through the API; moto reports none, so PASS in both.
    // 1.5: root MFA cannot be enabled through the API; moto reports it off, so FAIL in both.
    for (id, status) in [("1.4", "PASS"), ("1.5", "FAIL")] {
        assert_eq!(g[id]["status"], status, "{id} (compliant)");
        assert_eq!(b[id]["status"], status, "{id} (noncompliant)");
    }
    assert_eq!(failing(&b["1.5"]), vec![format!("arn:aws:iam::{acct}:root")]);
    // 1.19: moto reports every server certificate as expired (2012), so only the failing case is
    // planted; with no certificate nothing is checked.
    assert_eq!(g["1.19"]["status"], "NOT_APPLICABLE");
    assert_eq!(b["1.19"]["status"], "FAIL");
    names("1.19", &format!("arn:aws:iam::{acct}:server-certificate/cis-expired-cert"));
    // 1.20: moto does not implement IAM Access Analyzer (ListAnalyzers answers HTTP 500), so the
    // scan records a collection error and no finding exists: NOT_APPLICABLE in both.
    assert_eq!(g["1.20"]["status"], "NOT_APPLICABLE");
    assert_eq!(b["1.20"]["status"], "NOT_APPLICABLE");

    // The HTML report: one self-contained page that names a failing control.
    let out = run(palisade()
        .args(["report", "--framework", FRAMEWORK, "--format", "html", "--account-id", acct, "--db"])
        .arg(db(bad_dir.path())));
    assert!(out.status.success(), "html report failed: {}", stderr(&out));
    let html = String::from_utf8(out.stdout).unwrap();
    let lower = html.to_ascii_lowercase();
    for external in ["src=\"http://", "src=\"https://", "href=\"http://", "href=\"https://", "src='http", "href='http"]
    {
        assert!(!lower.contains(external), "the HTML report loads an external resource ({external})");
    }
    assert!(html.contains("5.6") && html.contains("Ensure that EC2 Metadata Service only allows IMDSv2"));
    assert!(html.contains("cis-console-user"), "the HTML report names a failing resource");
}
