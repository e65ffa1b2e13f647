//! Many accounts: sources in the store, `scan --all` through AssumeRole, attribution of every
//! finding to its account and label, and faults in one source that never stop the others.

mod common;

use common::*;
use palisade_testkit::{endpoint, fresh_account_id, Emulator, TestAccount};
use std::path::Path;

/// `palisade` as Palisade's own identity in the shared emulator (static test credentials).
fn palisade_base() -> std::process::Command {
    let mut cmd = palisade();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint());
    cmd
}

fn add_source(db: &Path, name: &str, account: &str, label: &str) {
    let out = run(palisade()
        .args([
            "source",
            "add",
            "--name",
            name,
            "--account-id",
            account,
            "--label",
            label,
            "--regions",
            "us-east-1",
            "--db",
        ])
        .arg(db));
    assert!(out.status.success(), "source add: {}", stderr(&out));
}

#[test]
fn source_commands_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let out = run(palisade()
        .args([
            "source",
            "add",
            "--name",
            "prod",
            "--account-id",
            "111122223333",
            "--label",
            "Prod",
            "--realtime",
            "--db",
        ])
        .arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let external_id = text
        .lines()
        .find_map(|l| l.strip_prefix("External ID (shown once; the role's trust policy must require it): "))
        .expect("the generated external id is shown");
    assert_eq!(external_id.len(), 32, "{text}");

    let list = json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(&db)));
    let s = &list[0];
    assert_eq!(
        (s["name"].as_str(), s["account_id"].as_str(), s["label"].as_str()),
        (Some("prod"), Some("111122223333"), Some("Prod"))
    );
    assert_eq!(s["role_arn"], "arn:aws:iam::111122223333:role/PalisadeReadOnly");
    assert_eq!(s["realtime"], true);
    assert_eq!(s["external_id"], "set", "the external id is shown once, never listed");
    assert!(!String::from_utf8_lossy(&run(palisade().args(["source", "show", "prod", "--db"]).arg(&db)).stdout)
        .contains(external_id));

    let out =
        run(palisade().args(["source", "update", "prod", "--label", "Dev", "--enabled", "false", "--db"]).arg(&db));
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = json(&run(palisade().args(["source", "show", "prod", "--format", "json", "--db"]).arg(&db)));
    assert_eq!((shown["label"].as_str(), shown["enabled"].as_bool()), (Some("Dev"), Some(false)));

    // Bad input: a clear error, nothing saved.
    for (args, needle) in [
        (vec!["--name", "x", "--account-id", "11112222333", "--label", "L"], "12 digits"),
        (
            vec![
                "--name",
                "y",
                "--account-id",
                "444455556666",
                "--label",
                "L",
                "--role-arn",
                "arn:aws:iam::111122223333:role/R",
            ],
            "belongs to account",
        ),
        (vec!["--name", "prod", "--account-id", "777788889999", "--label", "L"], "already exists"),
        (vec!["--name", "z", "--account-id", "111122223333", "--label", "L"], "already the source"),
    ] {
        let out = run(palisade().args(["source", "add", "--db", db.to_str().unwrap()]).args(&args));
        assert!(!out.status.success(), "{args:?} must be rejected");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(
        json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(&db))).as_array().unwrap().len(),
        1
    );

    assert!(run(palisade().args(["source", "remove", "prod", "--db"]).arg(&db)).status.success());
    assert!(!run(palisade().args(["source", "remove", "prod", "--db"]).arg(&db)).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_all_attributes_every_finding_to_its_account_and_label() {
    const ACCOUNTS: usize = 50;
    let labels = ["Prod", "Dev", "Test"];
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let mut accounts = Vec::new();
    for i in 0..ACCOUNTS {
        let acct = TestAccount::new().await;
        // One failing bucket and one failing security group per account, named after it.
        acct.s3("us-east-1").create_bucket().bucket(format!("multi-{}", acct.account_id)).send().await.unwrap();
        let ec2 = acct.ec2("us-east-1");
        let vpc = ec2.create_vpc().cidr_block("10.1.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
        let sg = ec2
            .create_security_group()
            .group_name("ssh")
            .description("ssh")
            .vpc_id(vpc)
            .send()
            .await
            .unwrap()
            .group_id
            .unwrap();
        ec2.authorize_security_group_ingress()
            .group_id(&sg)
            .ip_protocol("tcp")
            .from_port(22)
            .to_port(22)
            .cidr_ip("0.0.0.0/0")
            .send()
            .await
            .unwrap();
        add_source(&db, &format!("acct-{i:02}"), &acct.account_id, labels[i % 3]);
        accounts.push((acct.account_id.clone(), labels[i % 3], sg));
    }
    let out = run(palisade_base().args(["scan", "--all", "--format", "json", "--max-accounts", "8", "--db"]).arg(&db));
    assert!(out.status.success(), "scan --all failed: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("scanned {ACCOUNTS} source(s): {ACCOUNTS} completed, 0 failed")),
        "{}",
        stderr(&out)
    );
    let findings = json(&out);
    let findings = findings.as_array().unwrap();
    for (account, label, sg) in &accounts {
        let mine: Vec<_> = findings.iter().filter(|f| f["account_id"] == account.as_str()).collect();
        assert!(mine.iter().all(|f| f["label"] == *label), "account {account} has findings with another label");
        let bucket = format!("arn:aws:s3:::multi-{account}");
        let group = format!("arn:aws:ec2:us-east-1:{account}:security-group/{sg}");
        for (policy, resource) in
            [("AWS.S3.Bucket.Encryption", &bucket), ("AWS.EC2.SecurityGroup.SSHOpenToWorld", &group)]
        {
            let hits: Vec<_> =
                findings.iter().filter(|f| f["policy_id"] == policy && f["resource_id"] == resource.as_str()).collect();
            assert_eq!(hits.len(), 1, "{policy} on {resource}");
            assert_eq!(
                (hits[0]["status"].as_str(), hits[0]["account_id"].as_str(), hits[0]["label"].as_str()),
                (Some("FAIL"), Some(account.as_str()), Some(*label))
            );
        }
        // No leakage: every resource id that names an account names this one.
        for f in &mine {
            let id = f["resource_id"].as_str().unwrap();
            if let Some(other) = accounts.iter().find(|(a, _, _)| a != account && id.contains(a.as_str())) {
                panic!("finding of account {account} is about {id}, which belongs to {}", other.0);
            }
        }
    }
    let list = json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(&db)));
    assert!(list.as_array().unwrap().iter().all(|s| s["last_scan"]["status"] == "completed"), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_unreachable_source_and_one_denied_service_do_not_stop_the_others() {
    // An emulator that enforces IAM after its first six requests, which set up Palisade's own user
    // (allowed everything but assuming roles in the "unreachable" account) and, in the "good"
    // account, a role that may read everything but S3.
    let emulator = Emulator::start(&[("INITIAL_NO_AUTH_ACTION_COUNT", "6")]);
    let good = fresh_account_id();
    let unreachable = fresh_account_id();
    let base = palisade_testkit::config_for(&emulator.endpoint).await;
    let iam = aws_sdk_iam::Client::new(&base);
    iam.create_user().user_name("palisade").send().await.unwrap();
    let key = iam.create_access_key().user_name("palisade").send().await.unwrap().access_key.unwrap();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}},{{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::{unreachable}:role/*"}}]}}"#
    );
    iam.put_user_policy().user_name("palisade").policy_name("palisade").policy_document(policy).send().await.unwrap();
    let good_conf = palisade_testkit::config_in_account(&base, &good, "setup").await;
    let good_iam = aws_sdk_iam::Client::new(&good_conf);
    good_iam.create_role().role_name("PalisadeReadOnly").assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#).send().await.unwrap();
    good_iam.put_role_policy().role_name("PalisadeReadOnly").policy_name("read").policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#).send().await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    add_source(&db, "good", &good, "Prod");
    add_source(&db, "unreachable", &unreachable, "Dev");
    let out = run(palisade()
        .env("AWS_ACCESS_KEY_ID", key.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", key.secret_access_key())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &emulator.endpoint)
        .args(["scan", "--all", "--format", "json", "--db"])
        .arg(&db));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "a failed source makes the run fail, after the others finish: {err}");
    assert!(err.contains("1 completed, 1 failed"), "{err}");
    assert!(err.contains("cannot reach source unreachable") && err.contains("AccessDenied"), "{err}");
    assert!(err.contains("ListBuckets") && err.contains("access_denied"), "the denied service is a scan error: {err}");
    let findings = json(&out);
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["account_id"] == good.as_str() && f["policy_id"] == "AWS.EC2.SecurityGroup.SSHOpenToWorld"),
        "the good source was scanned despite the others: {findings}"
    );
    let list = json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(&db)));
    let status = |name: &str| {
        list.as_array().unwrap().iter().find(|s| s["name"] == name).unwrap()["last_scan"]["status"].clone()
    };
    assert_eq!(status("good"), "completed");
    assert_eq!(status("unreachable"), "failed");
}

/// A bucket without encryption and a security group open to the world on SSH, planted in
/// `account` through `base` (any emulator); returns the group's id.
async fn plant_failing_pair(base: &aws_config::SdkConfig, account: &str) -> String {
    let conf = palisade_testkit::config_in_account(base, account, "setup").await;
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build())
        .create_bucket()
        .bucket(format!("fault-{account}"))
        .send()
        .await
        .unwrap();
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = ec2.create_vpc().cidr_block("10.2.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let sg = ec2.create_security_group().group_name("ssh").description("ssh").vpc_id(vpc).send().await.unwrap();
    let sg = sg.group_id.unwrap();
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    sg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_account_is_retried_recorded_and_does_not_stop_the_others() {
    let base = palisade_testkit::base_config().await;
    let throttled = TestAccount::new().await;
    let calm = TestAccount::new().await;
    plant_failing_pair(&base, &throttled.account_id).await;
    let calm_sg = plant_failing_pair(&base, &calm.account_id).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    add_source(&db, "throttled", &throttled.account_id, "Prod");
    add_source(&db, "calm", &calm.account_id, "Dev");
    assert_eq!(throttled.throttle("ec2"), 0);

    // Three attempts per call keep the test short; the SDK backs off with jitter between them.
    let out =
        run(palisade_base().env("AWS_MAX_ATTEMPTS", "3").args(["scan", "--all", "--format", "json", "--db"]).arg(&db));
    let err = stderr(&out);
    assert!(err.contains("2 completed, 0 failed"), "throttling is a scan error, not a failed source: {err}");
    // Rows of the scan-errors table (the log lines above it say the same).
    let throttling_rows = err.lines().filter(|l| l.starts_with("│ ec2") && l.contains("throttling")).count();
    assert!(throttling_rows > 0, "the throttled calls are recorded: {err}");
    let throttled_requests = throttled.throttle("ec2");
    assert!(
        throttled_requests >= 3 * throttling_rows as u64,
        "every throttled call was retried up to its attempts ({throttled_requests} requests for {throttling_rows} errors): {err}"
    );

    let findings = json(&out);
    let findings = findings.as_array().unwrap();
    let has = |account: &str, policy: &str, resource: &str| {
        findings.iter().any(|f| {
            f["account_id"] == account
                && f["policy_id"] == policy
                && f["resource_id"] == resource
                && f["status"] == "FAIL"
        })
    };
    let bucket = |a: &str| format!("arn:aws:s3:::fault-{a}");
    assert!(
        has(&throttled.account_id, "AWS.S3.Bucket.Encryption", &bucket(&throttled.account_id)),
        "the throttled account's other services were scanned"
    );
    assert!(has(&calm.account_id, "AWS.S3.Bucket.Encryption", &bucket(&calm.account_id)));
    let calm_group = format!("arn:aws:ec2:us-east-1:{}:security-group/{calm_sg}", calm.account_id);
    assert!(
        has(&calm.account_id, "AWS.EC2.SecurityGroup.SSHOpenToWorld", &calm_group),
        "the other account's EC2 was not throttled"
    );
    assert!(
        !findings.iter().any(|f| f["account_id"] == throttled.account_id.as_str()
            && f["resource_id"].as_str().unwrap().contains(":security-group/")),
        "no security group of the throttled account can have been read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emulator_restart_mid_scan_is_recorded_and_the_run_ends() {
    const SOURCES: usize = 6;
    let mut emulator = Emulator::start(&[]);
    let base = palisade_testkit::config_for(&emulator.endpoint).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let mut accounts = Vec::new();
    for i in 0..SOURCES {
        let account = fresh_account_id();
        plant_failing_pair(&base, &account).await;
        add_source(&db, &format!("src-{i}"), &account, "Prod");
        accounts.push(account);
    }
    let endpoint = emulator.endpoint.clone();
    let scan = |db: &Path| {
        let mut cmd = palisade();
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_MAX_ATTEMPTS", "2")
            .args(["scan", "--all", "--max-accounts", "1", "--format", "json", "--db"])
            .arg(db)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd
    };
    // One source at a time, so that once the first is done the second is mid-scan.
    let child = scan(&db).spawn().unwrap();
    let statuses = |db: &Path| -> Vec<String> {
        let list = json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(db)));
        list.as_array().unwrap().iter().map(|s| s["last_scan"]["status"].as_str().unwrap_or("").to_string()).collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !statuses(&db).iter().any(|s| s == "completed") {
        assert!(std::time::Instant::now() < deadline, "the first source never completed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The restart loses every account's state, like a crash of the real service would not; what
    // matters is that calls in flight fail, are recorded, and the run still ends.
    emulator.restart(&[]);
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    let final_statuses = statuses(&db);
    assert!(
        final_statuses.iter().all(|s| s == "completed" || s == "failed"),
        "every source ends completed or failed, none is left running: {final_statuses:?}\n{err}"
    );
    assert!(
        err.contains("transport") || !err.contains(" 0 failed"),
        "the outage is recorded as transport errors or failed sources: {err}"
    );
    // The source scanned before the outage keeps its findings.
    let findings = json(&run(palisade().args(["findings", "--format", "json", "--db"]).arg(&db)));
    assert!(
        accounts.iter().any(|a| findings.as_array().unwrap().iter().any(|f| f["account_id"] == a.as_str()
            && f["policy_id"] == "AWS.EC2.SecurityGroup.SSHOpenToWorld"
            && f["status"] == "FAIL")),
        "findings from before the outage are kept: {findings}"
    );
    // And once the emulator is back, the next run scans every source.
    let again = run(&mut scan(&db));
    assert!(stderr(&again).contains(&format!("{SOURCES} completed, 0 failed")), "{}", stderr(&again));
}
