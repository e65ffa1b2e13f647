//! `palisade report`, the CSV and OCSF finding formats, and `palisade policy coverage`, end to end
//! through the binary. The store is filled directly through the store crate, so these tests need
//! no cloud and no emulator; the policies behind the findings are the test's own (`--policies`),
//! so they do not move when the built-in pack grows.

mod common;

use common::{json, palisade, run, stderr};
use palisade_model::{AccountId, Compliance, FindingStatus, PolicyId, Region, Resource, ResourceId, Severity};
use palisade_store::{NewFinding, SqliteStore};
use serde_json::Value;
use std::path::{Path, PathBuf};

const FRAMEWORK: &str = "cis-aws-foundations-3.0";
const PROD: &str = "123456789012";
const DEV: &str = "210987654321";

/// A test policy: id, severity, resource type, the CIS controls it backs, remediation.
struct TestPolicy {
    id: &'static str,
    severity: Severity,
    resource_type: &'static str,
    controls: &'static [&'static str],
    remediation: &'static str,
}

const POLICIES: [TestPolicy; 4] = [
    TestPolicy {
        id: "Test.Report.SshOpen",
        severity: Severity::High,
        resource_type: "AWS.EC2.SecurityGroup",
        controls: &["5.2"],
        remediation: "Revoke the rule <now> & keep SSH private.",
    },
    TestPolicy {
        id: "Test.Report.SecurityHub",
        severity: Severity::Medium,
        resource_type: "AWS.SecurityHub.Hub",
        controls: &["4.16"],
        remediation: "Enable Security Hub.",
    },
    TestPolicy {
        id: "Test.Report.Contacts",
        severity: Severity::Low,
        resource_type: "AWS.Account",
        controls: &["1.1"],
        remediation: "Register contacts.",
    },
    TestPolicy {
        id: "Test.Report.FlowLogs",
        severity: Severity::Medium,
        resource_type: "AWS.EC2.VPC",
        controls: &["3.7"],
        remediation: "Enable flow logs.",
    },
];

fn policy(id: &str) -> &'static TestPolicy {
    POLICIES.iter().find(|p| p.id == id).unwrap()
}

fn sg_arn(account: &str, group: &str) -> String {
    format!("arn:aws:ec2:us-east-1:{account}:security-group/{group}")
}

/// A directory holding the test policies (Rego with METADATA), as `--policies` takes.
fn write_policies(dir: &Path) -> PathBuf {
    let root = dir.join("policies");
    std::fs::create_dir_all(&root).unwrap();
    for p in &POLICIES {
        let package = p.id.to_lowercase().replace('.', "_");
        let controls: Vec<_> = p.controls.iter().map(|c| format!("\"{c}\"")).collect();
        let rego = format!(
            "# METADATA\n# title: {id} title\n# description: {id} description\n# custom:\n#   id: {id}\n\
             #   severity: {severity}\n#   resource_types: [{rt}]\n#   remediation: \"{remediation}\"\n\
             #   compliance:\n#     {FRAMEWORK}: [{controls}]\npackage test.{package}\n\n\
             deny contains \"bad\" if input.attributes.bad\n",
            id = p.id,
            severity = p.severity,
            rt = p.resource_type,
            remediation = p.remediation,
            controls = controls.join(", "),
        );
        std::fs::write(root.join(format!("{package}.rego")), rego).unwrap();
    }
    root
}

/// Records one committed scan of `account` with the given `(policy, resource id, status)`
/// verdicts, as the engine would.
fn record(db: &Path, account: &str, label: &str, verdicts: &[(&str, &str, FindingStatus)]) {
    let mut store = SqliteStore::open(db).unwrap();
    let account_id = AccountId::new(account).unwrap();
    let scan = store.begin_scan(&format!("src-{account}"), &account_id, &[Region::new("us-east-1").unwrap()]).unwrap();
    let mut writer = store.scan_writer(scan);
    for (policy_id, resource_id, status) in verdicts {
        let p = policy(policy_id);
        let resource = Resource {
            id: ResourceId::new(*resource_id).unwrap(),
            resource_type: p.resource_type.into(),
            source: format!("src-{account}"),
            account_id: account_id.clone(),
            region: Region::new("us-east-1").unwrap(),
            label: label.into(),
            name: resource_id.rsplit('/').next().unwrap().into(),
            tags: Default::default(),
            attributes: serde_json::json!({}),
            collected_at: chrono::Utc::now(),
        };
        let compliance: Compliance =
            [(FRAMEWORK.to_string(), p.controls.iter().map(|c| c.to_string()).collect())].into();
        let message = match status {
            FindingStatus::Pass => String::new(),
            FindingStatus::Fail => format!("{resource_id} allows SSH from 0.0.0.0/0, \"really\""),
            FindingStatus::Error => "policy evaluation failed: boom".into(),
        };
        let policy_id = PolicyId::new(p.id).unwrap();
        let title = format!("{} title", p.id);
        writer.stage_resource(&resource).unwrap();
        writer
            .stage_finding(&NewFinding {
                policy_id: &policy_id,
                title: &title,
                severity: p.severity,
                compliance: &compliance,
                status: *status,
                message: &message,
                resource: &resource,
            })
            .unwrap();
    }
    writer.commit(&account_id, &[]).unwrap();
}

struct Fixture {
    dir: tempfile::TempDir,
    db: PathBuf,
    policies: PathBuf,
}

/// Two accounts: Prod with a failing and a passing security group (5.2 FAIL), Security Hub on
/// (4.16 PASS), a failing manual check (1.1 stays MANUAL) and a policy error (3.7 ERROR); Dev
/// with a passing security group.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("palisade.db");
    let policies = write_policies(dir.path());
    record(
        &db,
        PROD,
        "Prod",
        &[
            ("Test.Report.SshOpen", &sg_arn(PROD, "sg-open"), FindingStatus::Fail),
            ("Test.Report.SshOpen", &sg_arn(PROD, "sg-closed"), FindingStatus::Pass),
            (
                "Test.Report.SecurityHub",
                &format!("arn:aws:securityhub:us-east-1:{PROD}:hub/default"),
                FindingStatus::Pass,
            ),
            ("Test.Report.Contacts", &format!("arn:aws:iam::{PROD}:root"), FindingStatus::Fail),
            ("Test.Report.FlowLogs", &format!("arn:aws:ec2:us-east-1:{PROD}:vpc/vpc-1"), FindingStatus::Error),
        ],
    );
    record(&db, DEV, "Dev", &[("Test.Report.SshOpen", &sg_arn(DEV, "sg-dev"), FindingStatus::Pass)]);
    Fixture { dir, db, policies }
}

impl Fixture {
    fn report(&self, format: &str, extra: &[&str]) -> std::process::Output {
        let out = run(palisade()
            .args(["report", "--framework", FRAMEWORK, "--format", format, "--db"])
            .arg(&self.db)
            .arg("--policies")
            .arg(&self.policies)
            .args(extra));
        assert!(out.status.success(), "report --format {format} failed: {}", stderr(&out));
        out
    }

    fn findings(&self, format: &str) -> std::process::Output {
        let out = run(palisade().args(["findings", "--format", format, "--db"]).arg(&self.db));
        assert!(out.status.success(), "findings --format {format} failed: {}", stderr(&out));
        out
    }
}

fn control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["controls"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn json_report_gives_each_control_its_status_and_failing_resources() {
    let fx = fixture();
    let report = json(&fx.report("json", &[]));
    assert_eq!(report["framework"]["id"], FRAMEWORK);
    assert_eq!(report["framework"]["version"], "3.0.0");
    assert!(report["generated_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", report["generated_at"]);
    let accounts: Vec<_> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["account_id"].as_str().unwrap(), a["labels"][0].as_str().unwrap()))
        .collect();
    assert_eq!(accounts, vec![(PROD, "Prod"), (DEV, "Dev")]);
    assert_eq!(report["controls"].as_array().unwrap().len(), 62);

    let ssh = control(&report, "5.2");
    assert_eq!(ssh["status"], "FAIL");
    assert!(ssh["policies"].as_array().unwrap().contains(&Value::from("Test.Report.SshOpen")), "{ssh}");
    let failing: Vec<_> = ssh["failing_resources"].as_array().unwrap().iter().map(|r| &r["resource_id"]).collect();
    assert_eq!(failing, vec![&Value::from(sg_arn(PROD, "sg-open"))]);
    assert_eq!(ssh["failing_resources"][0]["label"], "Prod");
    assert_eq!(ssh["severity"], "HIGH");
    assert_eq!((ssh["results"]["pass"].as_u64(), ssh["results"]["fail"].as_u64()), (Some(2), Some(1)));

    assert_eq!(control(&report, "4.16")["status"], "PASS");
    assert_eq!(control(&report, "1.1")["status"], "MANUAL");
    assert_eq!(control(&report, "3.7")["status"], "ERROR");
    // No finding of any policy of 3.9: nothing was checked.
    assert_eq!(control(&report, "3.9")["status"], "NOT_APPLICABLE");
    assert_eq!(report["summary"]["controls"], 62);
    assert_eq!(report["summary"]["manual"], 12);
    assert_eq!(report["policies"]["Test.Report.SshOpen"]["remediation"], policy("Test.Report.SshOpen").remediation);
}

#[test]
fn report_can_be_limited_to_one_account() {
    let fx = fixture();
    let report = json(&fx.report("json", &["--account-id", DEV]));
    assert_eq!(report["accounts"].as_array().unwrap().len(), 1);
    assert_eq!(control(&report, "5.2")["status"], "PASS");
    assert_eq!(control(&report, "4.16")["status"], "NOT_APPLICABLE");
}

#[test]
fn html_report_is_one_self_contained_page_with_summary_resources_and_remediation() {
    let fx = fixture();
    let path = fx.dir.path().join("report.html");
    let out = fx.report("html", &["--output", path.to_str().unwrap()]);
    assert!(out.stdout.is_empty(), "the report goes to the file, not stdout");
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for external in ["<script", "<link", "<img", "src=", "@import", "url(", "href=\"http", "href=\"//"] {
        assert!(!html.contains(external), "{external} makes the page depend on something else");
    }
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} missing from the page"));
    assert!(at("<h2>Summary</h2>") < at("Failing controls (1)"));
    assert!(html.contains("CIS Amazon Web Services Foundations Benchmark v3.0.0"));
    assert!(html.contains(&format!("for accounts {PROD} (Prod), {DEV} (Dev)")));
    // The failing control, its resource and message (escaped) and its policy's remediation.
    assert!(at("id=\"control-5.2\"") > at("Failing controls (1)"));
    assert!(html.contains(&format!("<code>{}</code>", sg_arn(PROD, "sg-open"))));
    assert!(html.contains("allows SSH from 0.0.0.0/0, &quot;really&quot;"));
    assert!(html.contains("Revoke the rule &lt;now&gt; &amp; keep SSH private."));
}

#[test]
fn table_report_and_unknown_framework() {
    let fx = fixture();
    let text = String::from_utf8(fx.report("table", &[]).stdout).unwrap();
    assert!(text.starts_with("CIS Amazon Web Services Foundations Benchmark v3.0.0 (cis-aws-foundations-3.0)"));
    assert!(text.contains(&sg_arn(PROD, "sg-open")) && text.contains("NOT_APPLICABLE"), "{text}");
    assert!(text.contains("62 controls: 1 PASS, 1 FAIL, 1 ERROR, 12 MANUAL, 47 NOT_APPLICABLE"), "{text}");

    let out = run(palisade().args(["report", "--framework", "cis-nope", "--db"]).arg(&fx.db));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown framework \"cis-nope\""), "{}", stderr(&out));
}

#[test]
fn csv_findings_have_the_json_fields_as_columns() {
    let fx = fixture();
    let out = fx.findings("csv");
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let expected = [
        "policy_id",
        "title",
        "severity",
        "status",
        "resource_id",
        "resource_type",
        "source",
        "account_id",
        "region",
        "label",
        "message",
        "compliance",
        "first_seen",
        "last_seen",
        "resolved_at",
    ];
    assert_eq!(headers, expected);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    let open = rows.iter().find(|r| r[4] == sg_arn(PROD, "sg-open")).expect("the open group's row");
    assert_eq!((&open[0], &open[2], &open[3], &open[9]), ("Test.Report.SshOpen", "HIGH", "FAIL", "Prod"));
    assert_eq!(&open[10], format!("{} allows SSH from 0.0.0.0/0, \"really\"", sg_arn(PROD, "sg-open")));
    assert_eq!(&open[11], "cis-aws-foundations-3.0:5.2");
    // The same finding in JSON has the same values.
    let findings = json(&fx.findings("json"));
    let same = findings.as_array().unwrap().iter().find(|f| f["resource_id"] == sg_arn(PROD, "sg-open")).unwrap();
    for (i, column) in expected.iter().enumerate().filter(|(_, c)| !["compliance", "resolved_at"].contains(c)) {
        assert_eq!(same[*column].as_str(), Some(&open[i]), "{column}");
    }
}

#[test]
fn json_findings_keep_their_documented_fields() {
    let fx = fixture();
    let findings = json(&fx.findings("json"));
    let mut keys: Vec<_> = findings[0].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    let mut documented = vec![
        "policy_id",
        "title",
        "severity",
        "status",
        "resource_id",
        "resource_type",
        "source",
        "account_id",
        "region",
        "label",
        "message",
        "compliance",
        "first_seen",
        "last_seen",
        "resolved_at",
    ];
    documented.sort();
    assert_eq!(keys, documented);
}

#[test]
fn ocsf_findings_are_detection_findings_with_their_required_fields() {
    let fx = fixture();
    let events = json(&fx.findings("ocsf"));
    let events = events.as_array().expect("a JSON array of OCSF events");
    assert_eq!(events.len(), 6);
    let int = |e: &Value, path: &str| -> i64 {
        e.pointer(path).and_then(Value::as_i64).unwrap_or_else(|| panic!("{path} is not an integer in {e}"))
    };
    let text = |e: &Value, path: &str| -> String {
        e.pointer(path).and_then(Value::as_str).unwrap_or_else(|| panic!("{path} is not a string in {e}")).to_string()
    };
    for e in events {
        assert_eq!(int(e, "/class_uid"), 2004, "Detection Finding");
        assert_eq!(int(e, "/category_uid"), 2, "Findings");
        assert!([1, 2, 3, 99].contains(&int(e, "/activity_id")));
        assert_eq!(int(e, "/type_uid"), int(e, "/class_uid") * 100 + int(e, "/activity_id"));
        assert!([0, 1, 2, 3, 4, 5, 6, 99].contains(&int(e, "/severity_id")));
        assert!([0, 1, 2, 3, 4, 5, 6, 99].contains(&int(e, "/status_id")));
        assert!(!text(e, "/status").is_empty());
        // Milliseconds since the epoch: after 2020 and not in seconds.
        assert!(int(e, "/time") > 1_577_836_800_000);
        assert!(text(e, "/metadata/version").starts_with("1."));
        assert_eq!(text(e, "/metadata/product/name"), "Palisade");
        assert!(!text(e, "/finding_info/uid").is_empty() && !text(e, "/finding_info/title").is_empty());
        assert_eq!(text(e, "/cloud/provider"), "AWS");
        assert!([PROD, DEV].contains(&text(e, "/cloud/account/uid").as_str()));
        let resources = e["resources"].as_array().expect("resources array");
        assert_eq!(resources.len(), 1);
        assert!(!text(&resources[0], "/uid").is_empty() && text(&resources[0], "/type").starts_with("AWS."));
        assert!(["PASS", "FAIL", "ERROR"].contains(&text(e, "/status_code").as_str()));
    }
    let open = events.iter().find(|e| e["resources"][0]["uid"] == sg_arn(PROD, "sg-open")).unwrap();
    assert_eq!((int(open, "/severity_id"), text(open, "/severity")), (4, "High".into()));
    assert_eq!(text(open, "/status_code"), "FAIL");
    assert_eq!(text(open, "/cloud/region"), "us-east-1");
    let uids: std::collections::BTreeSet<_> = events.iter().map(|e| text(e, "/finding_info/uid")).collect();
    assert_eq!(uids.len(), events.len(), "finding_info.uid is unique per finding");
}

#[test]
fn committed_coverage_document_is_the_commands_output() {
    let out = run(palisade().args(["policy", "coverage"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let generated = String::from_utf8(out.stdout).unwrap();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/coverage.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let first = committed.lines().zip(generated.lines()).position(|(a, b)| a != b);
        let line = first.unwrap_or(committed.lines().count().min(generated.lines().count()));
        panic!(
            "docs/coverage.md is stale (first difference on line {}): regenerate it with \
             `cargo run -q -p palisade-cli -- policy coverage --output docs/coverage.md`",
            line + 1
        );
    }
    // --output writes the same document.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("coverage.md");
    let out = run(palisade().args(["policy", "coverage", "--output"]).arg(&file));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(file).unwrap(), generated);
}
