//! `palisade remediate` end to end against the emulator: nothing happens to a source that has not
//! opted in, a plan changes nothing, `--apply` fixes through the remediation role and the rescan
//! resolves the finding, `--history` shows the audit; and `palisade onboard remediation-role`
//! writes a template that passes cfn-lint with exactly the fixes' actions.

mod common;

use common::*;
use palisade_remediate::{required_iam_actions, Action};
use palisade_testkit::{endpoint, python, TestAccount};
use std::path::Path;

const PAB: &str = "AWS.S3.Bucket.BlockPublicAccess";

/// `palisade` as Palisade's own identity (static test credentials), reaching sources by role.
fn palisade_base() -> std::process::Command {
    let mut cmd = palisade();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint());
    cmd
}

fn remediate(db: &Path, args: &[&str]) -> (std::process::Output, serde_json::Value) {
    let out = run(palisade_base().arg("remediate").arg("--db").arg(db).args(["--format", "json"]).args(args));
    let value = if out.stdout.is_empty() { serde_json::Value::Null } else { json(&out) };
    (out, value)
}

/// The outcome of the block-public-access policy on `bucket`.
fn pab_outcome<'a>(outcomes: &'a serde_json::Value, bucket: &str) -> &'a serde_json::Value {
    outcomes
        .as_array()
        .expect("outcomes array")
        .iter()
        .find(|o| o["policy_id"] == PAB && o["resource_id"] == format!("arn:aws:s3:::{bucket}"))
        .unwrap_or_else(|| panic!("no outcome for {bucket}: {outcomes:#}"))
}

async fn bucket_blocks_public_acls(acct: &TestAccount, bucket: &str) -> bool {
    match acct.s3("us-east-1").get_public_access_block().bucket(bucket).send().await {
        Ok(out) => out.public_access_block_configuration().and_then(|c| c.block_public_acls()) == Some(true),
        Err(_) => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remediate_respects_the_opt_in_plans_then_applies_and_verifies() {
    let acct = TestAccount::new().await;
    let bucket = format!("cli-rem-{}", acct.account_id);
    acct.s3("us-east-1").create_bucket().bucket(&bucket).send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let out = run(palisade()
        .args(["source", "add", "--name", "rem", "--account-id", &acct.account_id, "--label", "Dev"])
        .args(["--regions", "us-east-1", "--db"])
        .arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(palisade_base().args(["scan", "--source", "rem", "--format", "json", "--db"]).arg(&db));
    assert!(out.status.success(), "scan: {}", stderr(&out));

    // Not opted in: every remediable finding is skipped, and the bucket is as it was.
    let (out, outcomes) = remediate(&db, &["--apply"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let o = pab_outcome(&outcomes, &bucket);
    assert_eq!(o["status"], "skipped");
    assert!(o["reason"].as_str().unwrap().contains("has not opted in"), "{o:#}");
    assert!(outcomes.as_array().unwrap().iter().all(|o| o["status"] == "skipped"), "{outcomes:#}");
    assert!(!bucket_blocks_public_acls(&acct, &bucket).await);

    let out = run(palisade().args(["source", "update", "rem", "--remediation", "true", "--db"]).arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));

    // The plan (the default) says what would change and changes nothing.
    let (out, outcomes) = remediate(&db, &["--policy", PAB]);
    assert!(out.status.success(), "{}", stderr(&out));
    let o = pab_outcome(&outcomes, &bucket);
    assert_eq!((o["status"].as_str(), o["mode"].as_str()), (Some("planned"), Some("plan")), "{o:#}");
    assert_eq!(o["changes"].as_array().unwrap().len(), 4, "{o:#}");
    assert!(stderr(&out).contains("Nothing was changed"), "{}", stderr(&out));
    assert!(!bucket_blocks_public_acls(&acct, &bucket).await);

    // Apply: fixed through the remediation role, and the rescan shows it resolved.
    let (out, outcomes) = remediate(&db, &["--apply", "--policy", PAB]);
    assert!(out.status.success(), "{}", stderr(&out));
    let o = pab_outcome(&outcomes, &bucket);
    assert_eq!((o["status"].as_str(), o["verified"].as_bool()), (Some("applied"), Some(true)), "{o:#}");
    assert!(bucket_blocks_public_acls(&acct, &bucket).await);
    let findings = json(&run(palisade().args(["findings", "--format", "json", "--policy", PAB, "--db"]).arg(&db)));
    let v = verdicts(&findings);
    assert_eq!(v.get(&(PAB.to_string(), format!("arn:aws:s3:::{bucket}"))).map(String::as_str), Some("PASS"));

    // The audit log: the plan, then the verified application, newest first.
    let history = json(&run(palisade().args(["remediate", "--history", "--format", "json", "--db"]).arg(&db)));
    let rows: Vec<(&str, &str, Option<bool>)> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["policy_id"] == PAB)
        .map(|r| (r["mode"].as_str().unwrap(), r["result"].as_str().unwrap(), r["verified"].as_bool()))
        .collect();
    assert_eq!(rows, vec![("apply", "ok", Some(true)), ("plan", "ok", None)]);
    let apply = &history[0];
    assert_eq!(apply["state_before"]["PublicAccessBlock"], serde_json::Value::Null);
    assert_eq!(apply["state_after"]["PublicAccessBlock"]["RestrictPublicBuckets"], true);

    // A table for people, too.
    let out = run(palisade_base().args(["remediate", "--db"]).arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Plan:"), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn remediation_role_template_lints_and_grants_exactly_the_fixes_actions() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let out = run(palisade()
        .args(["source", "add", "--name", "fixme", "--account-id", "222233334444", "--label", "Prod", "--db"])
        .arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let external_id = text
        .lines()
        .find_map(|l| l.strip_prefix("External ID (shown once; the role's trust policy must require it): "))
        .expect("external id shown");

    let granted = |args: &[&str]| -> (serde_json::Value, Vec<String>) {
        let path = dir.path().join("remediation-role.json");
        let out = run(palisade()
            .args(["onboard", "remediation-role", "--source", "fixme", "--palisade-account-id", "111111111111"])
            .args(args)
            .arg("--output")
            .arg(&path)
            .arg("--db")
            .arg(&db));
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("--remediation true"), "the next steps are printed");
        let lint = Path::new(&python()).with_file_name("cfn-lint");
        let lint = std::process::Command::new(&lint).arg(&path).output().expect("run cfn-lint");
        assert!(lint.status.success(), "cfn-lint: {}", String::from_utf8_lossy(&lint.stdout));
        let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let actions = t["Resources"]["PalisadeRemediationRole"]["Properties"]["Policies"][0]["PolicyDocument"]
            ["Statement"][0]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        (t, actions)
    };

    let (template, all) = granted(&[]);
    let expected: Vec<String> = required_iam_actions(&Action::ALL).into_iter().map(str::to_string).collect();
    assert_eq!(all, expected);
    assert_eq!(template["Parameters"]["ExternalId"]["Default"], external_id);
    assert_eq!(template["Parameters"]["RoleName"]["Default"], "PalisadeRemediation");
    let trust = &template["Resources"]["PalisadeRemediationRole"]["Properties"]["AssumeRolePolicyDocument"];
    assert_eq!(trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"]["Ref"], "ExternalId");

    let (_, one) = granted(&["--actions", "s3-block-public-access"]);
    assert_eq!(one, vec!["s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"]);

    let out = run(palisade()
        .args(["onboard", "remediation-role", "--source", "fixme", "--palisade-account-id", "111111111111"])
        .args(["--actions", "no-such-fix", "--db"])
        .arg(&db));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown fix \"no-such-fix\""), "{}", stderr(&out));
}
