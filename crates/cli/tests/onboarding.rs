//! Onboarding templates: they pass cfn-lint, and the role template deploys in the emulator's
//! CloudFormation, its role can be assumed with the ExternalId, and a scan through it works.

mod common;

use common::*;
use palisade_testkit::{fresh_account_id, python, Emulator};
use std::path::Path;

fn cfn_lint(path: &Path) {
    let lint = Path::new(&python()).with_file_name("cfn-lint");
    let out = std::process::Command::new(&lint).arg(path).output().expect("run cfn-lint");
    assert!(
        out.status.success(),
        "cfn-lint {}:\n{}{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn realtime_templates_pass_cfn_lint_and_name_the_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(palisade()
        .args([
            "onboard",
            "realtime",
            "--palisade-account-id",
            "111111111111",
            "--queue-arn",
            "arn:aws:sqs:us-east-1:111111111111:palisade-events",
            "--output-dir",
        ])
        .arg(dir.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    let steps = String::from_utf8_lossy(&out.stdout);
    assert!(steps.contains("create-stack-set") && steps.contains("create-stack-instances"), "{steps}");
    for file in ["realtime-stackset.json", "stackset-administrator-role.json", "stackset-execution-role.json"] {
        cfn_lint(&dir.path().join(file));
    }
    let stackset: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("realtime-stackset.json")).unwrap()).unwrap();
    let params = stackset["Parameters"].as_object().unwrap();
    assert!(params.contains_key("MasterAccountId") && params.contains_key("QueueArn"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_template_lints_deploys_and_is_assumable_for_a_scan() {
    let emulator = Emulator::start(&[]);
    let target = fresh_account_id();
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let out = run(palisade()
        .args([
            "source",
            "add",
            "--name",
            "target",
            "--account-id",
            &target,
            "--label",
            "Prod",
            "--regions",
            "us-east-1",
            "--db",
        ])
        .arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    let template_path = dir.path().join("role.json");
    let out = run(palisade()
        .args(["onboard", "role", "--source", "target", "--palisade-account-id", "123456789012", "--output"])
        .arg(&template_path)
        .arg("--db")
        .arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("quickcreate?templateURL="),
        "the quick-create link is printed"
    );
    cfn_lint(&template_path);

    // Deploy it into the target account, as the account's owner would.
    let base = palisade_testkit::config_for(&emulator.endpoint).await;
    let owner_conf = palisade_testkit::config_in_account(&base, &target, "owner").await;
    let cfn = aws_sdk_cloudformation::Client::new(&owner_conf);
    cfn.create_stack()
        .stack_name("Palisade-ReadOnly")
        .template_body(std::fs::read_to_string(&template_path).unwrap())
        .capabilities(aws_sdk_cloudformation::types::Capability::CapabilityNamedIam)
        .send()
        .await
        .expect("the role template deploys");
    let stack = cfn.describe_stacks().stack_name("Palisade-ReadOnly").send().await.unwrap().stacks.unwrap().remove(0);
    let role_arn = stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("RoleArn"))
        .and_then(|o| o.output_value())
        .expect("RoleArn output")
        .to_string();
    assert_eq!(role_arn, format!("arn:aws:iam::{target}:role/PalisadeReadOnly"));
    // The emulator's CloudFormation does not attach ManagedPolicyArns (a moto gap); the trust
    // policy and the inline policy it does create are checked here, the managed ones by the
    // least-privilege test against the published documents.
    let iam = aws_sdk_iam::Client::new(&owner_conf);
    let role = iam.get_role().role_name("PalisadeReadOnly").send().await.unwrap().role.unwrap();
    let trust = percent_decode(role.assume_role_policy_document().unwrap_or_default());
    let external_id = json(&run(palisade().args(["source", "show", "target", "--format", "json", "--db"]).arg(&db)))
        ["external_id"]
        .clone();
    assert_eq!(external_id, "set");
    assert!(trust.contains("sts:ExternalId") && trust.contains("arn:aws:iam::123456789012:root"), "{trust}");
    let inline = iam.list_role_policies().role_name("PalisadeReadOnly").send().await.unwrap();
    let template: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&template_path).unwrap()).unwrap();
    let expected: Vec<String> = template["Resources"]["PalisadeReadOnlyRole"]["Properties"]["Policies"]
        .as_array()
        .map(|ps| ps.iter().map(|p| p["PolicyName"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    assert_eq!(inline.policy_names().to_vec(), expected);

    // Palisade assumes it (with the source's ExternalId) and scans through it.
    let out = run(palisade()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &emulator.endpoint)
        .args(["scan", "--source", "target", "--format", "json", "--db"])
        .arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 completed"), "{}", stderr(&out));
    let findings = json(&out);
    assert!(findings.as_array().unwrap().iter().all(|f| f["account_id"] == target.as_str() && f["label"] == "Prod"));
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
