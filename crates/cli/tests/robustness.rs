//! Bad input and bad luck: interrupted and killed scans keep the previous results, broken
//! policies are reported with file and line, and a denied service is a scan error, not a failure.

mod common;

use common::*;
use palisade_testkit::{Emulator, TestAccount};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// Starts a scan, waits until it has stored its first resource (so it is mid-transaction), then
/// stops it with `signal`. Returns the exit status.
fn scan_and_stop(
    acct: &TestAccount,
    dir: &std::path::Path,
    signal: nix::sys::signal::Signal,
) -> std::process::ExitStatus {
    let mut child = palisade_as(acct, dir)
        .args(["scan", "--regions", "us-east-1", "--format", "json", "--concurrency", "1", "--db"])
        .arg(db(dir))
        .env("RUST_LOG", "palisade_engine=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start scan");
    let stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut signalled = false;
    // Read to the end (not just to the signal): closing the pipe early would make the scan's
    // last words fail with EPIPE.
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if !signalled && line.contains("stored resource") {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            nix::sys::signal::kill(pid, signal).expect("signal the scan");
            signalled = true;
        }
        seen.push(line);
    }
    let status = child.wait().unwrap();
    assert!(signalled, "the scan never stored a resource: {seen:#?}");
    if signal == nix::sys::signal::Signal::SIGINT {
        assert!(seen.iter().any(|l| l.contains("previous results")), "the user is told what happened: {seen:#?}");
    }
    status
}

fn findings_json(dir: &std::path::Path) -> serde_json::Value {
    let out = run(palisade().args(["findings", "--format", "json", "--db"]).arg(db(dir)));
    assert!(out.status.success(), "{}", stderr(&out));
    json(&out)
}

/// Plants the demo account, scans it, then changes it so the next scan would change results, and
/// makes the next scan long (many buckets) so a signal lands in its middle.
async fn scanned_account_with_pending_changes(dir: &std::path::Path) -> (TestAccount, serde_json::Value, String) {
    let acct = TestAccount::new().await;
    let planted = acct.plant_demo();
    let out =
        run(palisade_as(&acct, dir).args(["scan", "--regions", "us-east-1", "--format", "json", "--db"]).arg(db(dir)));
    assert!(out.status.success(), "{}", stderr(&out));
    let before = findings_json(dir);
    let bucket = planted["buckets"]["fail"][0].as_str().unwrap().to_string();
    let s3 = acct.s3("us-east-1");
    acct.enable_default_encryption(&bucket).await;
    for i in 0..60 {
        s3.create_bucket().bucket(format!("palisade-slow-{}-{i}", acct.account_id)).send().await.unwrap();
    }
    (acct, before, bucket)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_scan_leaves_previous_results_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (acct, before, bucket) = scanned_account_with_pending_changes(dir.path()).await;
    let status = scan_and_stop(&acct, dir.path(), nix::sys::signal::Signal::SIGINT);
    assert_eq!(status.code(), Some(130), "SIGINT ends the scan with 130");
    assert_eq!(findings_json(dir.path()), before, "an interrupted scan must not change stored findings");

    // The store is healthy: a full scan afterwards sees the change.
    let out = run(palisade_as(&acct, dir.path())
        .args(["scan", "--regions", "us-east-1", "--format", "json", "--db"])
        .arg(db(dir.path())));
    assert!(out.status.success(), "{}", stderr(&out));
    let after = verdicts(&json(&out));
    assert_eq!(after[&("AWS.S3.Bucket.Encryption".to_string(), format!("arn:aws:s3:::{bucket}"))], "PASS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_scan_leaves_previous_results_intact() {
    let dir = tempfile::tempdir().unwrap();
    let (acct, before, _) = scanned_account_with_pending_changes(dir.path()).await;
    let status = scan_and_stop(&acct, dir.path(), nix::sys::signal::Signal::SIGKILL);
    assert!(!status.success());
    assert_eq!(findings_json(dir.path()), before, "a killed scan must not change stored findings");
    let out = run(palisade_as(&acct, dir.path())
        .args(["scan", "--regions", "us-east-1", "--format", "json", "--db"])
        .arg(db(dir.path())));
    assert!(out.status.success(), "the store must still be usable after a crash: {}", stderr(&out));
}

const METADATA: &str = "# METADATA\n# title: Broken\n# custom:\n#   id: Custom.Broken\n#   severity: LOW\n#   resource_types: [AWS.S3.Bucket]\npackage custom.broken\n";

fn policy_dir(contents: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("aws")).unwrap();
    std::fs::write(dir.path().join("aws/broken.rego"), contents).unwrap();
    dir
}

#[test]
fn broken_policy_is_reported_with_file_and_line() {
    // Line 9 holds the error: an unterminated rule body.
    let policies = policy_dir(&format!("{METADATA}\ndeny contains msg if {{\n  msg := \"x\"\n"));
    let file = policies.path().join("aws/broken.rego").display().to_string();
    let work = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "scan",
            "--regions",
            "us-east-1",
            "--policies",
            policies.path().to_str().unwrap(),
            "--db",
            db(work.path()).to_str().unwrap(),
        ],
        vec!["policy", "test", policies.path().to_str().unwrap()],
    ] {
        let out = run(palisade().args(&args));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains(&format!("{file}:")), "{args:?} must name the file: {err}");
        let line: usize = err
            .split(&format!("{file}:"))
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a line number");
        assert!((8..=11).contains(&line), "line {line} is not where the error is: {err}");
    }
}

#[test]
fn broken_metadata_is_reported_with_file_and_line() {
    let policies = policy_dir(&METADATA.replace("#   severity: LOW", "#   severity: [LOW"));
    let file = policies.path().join("aws/broken.rego").display().to_string();
    let out = run(palisade().args(["policy", "test"]).arg(policies.path()));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains(&format!("{file}:")) && err.contains("METADATA"), "{err}");
}

#[test]
fn builtin_policy_tests_pass_through_the_cli() {
    let out = run(palisade().args(["policy", "test"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(" passed, 0 failed"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_service_is_a_scan_error_and_the_scan_goes_on() {
    // An emulator that enforces IAM after the first three requests, which create a user whose
    // policy allows everything but S3.
    let emulator = Emulator::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "3")]);
    let base = palisade_testkit::config_for(&emulator.endpoint).await;
    let iam = aws_sdk_iam::Client::new(&base);
    iam.create_user().user_name("scanner").send().await.unwrap();
    let key = iam.create_access_key().user_name("scanner").send().await.unwrap().access_key.unwrap();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#;
    iam.put_user_policy().user_name("scanner").policy_name("no-s3").policy_document(policy).send().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let out = run(palisade()
        .env("AWS_ACCESS_KEY_ID", key.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", key.secret_access_key())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &emulator.endpoint)
        .args(["scan", "--regions", "us-east-1", "--format", "json", "--db"])
        .arg(db(dir.path())));
    let err = stderr(&out);
    assert!(out.status.success(), "a denied service must not fail the scan: {err}");
    assert!(err.contains("access_denied") && err.contains("ListBuckets"), "the denial is reported: {err}");
    let findings = json(&out);
    assert!(
        findings.as_array().unwrap().iter().any(|f| f["policy_id"] == "AWS.EC2.SecurityGroup.SSHOpenToWorld"),
        "other services were still scanned: {findings}"
    );
}
