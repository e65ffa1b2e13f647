//! `palisade serve` as a process against the emulator: sources get their baseline scan, whether
//! they were there at start or added while it runs, and SIGTERM stops it cleanly.

mod common;

use common::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use palisade_testkit::{endpoint, fresh_account_id};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The `serve` child, killed if the test fails before stopping it.
struct Serve {
    child: Child,
    log: std::path::PathBuf,
}

impl Serve {
    fn start(db: &Path, dir: &Path) -> Self {
        Self::start_with(db, dir, &[])
    }

    /// `palisade serve --tick 1s --db DB ARGS` as Palisade's own identity in the emulator.
    fn start_with(db: &Path, dir: &Path, args: &[&str]) -> Self {
        let log = dir.join("serve.log");
        let child = palisade()
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", endpoint())
            .env_remove("RUST_LOG")
            .args(["serve", "--tick", "1s", "--db"])
            .arg(db)
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start palisade serve");
        Self { child, log }
    }

    /// The address `serve --listen 127.0.0.1:0` bound, from its log.
    fn listening(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(addr) = self.log().lines().find_map(|l| l.strip_prefix("listening on http://")) {
                return addr.trim().to_string();
            }
            assert!(Instant::now() < deadline, "serve never said where it listens:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    fn terminate(&mut self) -> std::process::ExitStatus {
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM).expect("send SIGTERM");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "serve did not stop within 60s of SIGTERM:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn add_source(db: &Path, name: &str) {
    let out = run(palisade()
        .args(["source", "add", "--name", name, "--account-id", &fresh_account_id(), "--label", "Dev"])
        .args(["--regions", "us-east-1", "--db"])
        .arg(db));
    assert!(out.status.success(), "source add: {}", stderr(&out));
}

fn sources(db: &Path) -> Vec<serde_json::Value> {
    json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(db))).as_array().unwrap().clone()
}

/// Polls `source list` until `name`'s last scan completed; returns the source as listed.
fn wait_for_completed_scan(db: &Path, name: &str, serve: &Serve) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Some(s) = sources(db).into_iter().find(|s| s["name"] == name) {
            let status = s["last_scan"]["status"].as_str().unwrap_or("none").to_string();
            if status == "completed" {
                return s;
            }
            assert!(status != "failed", "the scan of {name} failed: {s}\n{}", serve.log());
        }
        assert!(Instant::now() < deadline, "no completed scan of {name} within 180s:\n{}", serve.log());
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn serve_scans_sources_as_they_are_added_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    add_source(&db, "before");
    let mut serve = Serve::start(&db, dir.path());
    let before = wait_for_completed_scan(&db, "before", &serve);

    add_source(&db, "added");
    let added = wait_for_completed_scan(&db, "added", &serve);
    // The baseline scan claimed the next run: a day's run ahead (at most a day plus the jitter).
    let now = chrono::Utc::now();
    for s in [&before, &added] {
        let next: chrono::DateTime<chrono::Utc> = serde_json::from_value(s["next_run_at"].clone()).unwrap();
        assert!(next > now && next - now <= chrono::Duration::minutes(24 * 60 + 30), "{s}");
    }

    // Exactly one scan each so far: no tick scanned a source twice.
    std::thread::sleep(Duration::from_secs(3));
    let store = palisade_store::SqliteStore::open(&db).unwrap();
    let scans = store.recent_scans(100).unwrap();
    for name in ["before", "added"] {
        assert_eq!(scans.iter().filter(|s| s.source == name).count(), 1, "{name}: {scans:?}");
    }

    let status = serve.terminate();
    let log = serve.log();
    assert!(status.success(), "serve exits 0 on SIGTERM, got {status:?}:\n{log}");
    for needle in ["scan started", "scan finished", "source=added", "baseline", "palisade serve stopped"] {
        assert!(log.contains(needle), "the log names {needle:?}:\n{log}");
    }
}

/// A minimal HTTP GET over loopback; returns the body of a 200 answer.
fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to serve");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "GET {path}: {reply}");
    reply.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default()
}

/// The value of an unlabelled or labelled sample in Prometheus text, e.g.
/// `palisade_events_dropped_total{reason="not_a_source"}`.
fn metric(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(sample).and_then(|rest| rest.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {sample} in:\n{text}"))
}

/// A CloudTrail management event as EventBridge carries it in `Detail`.
fn cloudtrail_detail(account: &str, event_name: &str, request: serde_json::Value) -> String {
    serde_json::json!({
        "eventVersion": "1.08",
        "eventTime": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "eventSource": "ec2.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2",
        "requestParameters": request,
        "responseElements": {"_return": true},
        "eventID": format!("{:x}", rand_id()),
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": account,
        "eventCategory": "Management"
    })
    .to_string()
}

fn rand_id() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// The SSH policy's verdict on `group` in the store.
fn ssh_status(db: &Path, group: &str) -> Option<String> {
    let findings = json(&run(palisade().args(["findings", "--format", "json", "--db"]).arg(db)));
    findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["policy_id"] == "AWS.EC2.SecurityGroup.SSHOpenToWorld" && f["resource_id"] == group)
        .map(|f| f["status"].as_str().unwrap().to_string())
}

fn wait_for_status(db: &Path, group: &str, want: &str, serve: &Serve) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while ssh_status(db, group).as_deref() != Some(want) {
        assert!(Instant::now() < deadline, "{group} never became {want}:\n{}", serve.log());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn realtime_events_flip_a_finding_without_a_full_scan_and_garbage_is_dead_lettered() {
    let acct = palisade_testkit::TestAccount::new().await;
    let base = palisade_testkit::base_config().await;
    let palisade_account = aws_sdk_sts::Client::new(&base).get_caller_identity().send().await.unwrap().account.unwrap();

    // Palisade's queue, fed by a rule on Palisade's default bus. The real StackSet's rules target
    // the queue directly; moto delivers SQS targets only within one account, so here each target
    // account's rule forwards to Palisade's bus (which moto does across accounts) and Palisade's
    // rule forwards to the queue. The events that arrive are the same.
    let sqs = aws_sdk_sqs::Client::new(&base);
    let queue_name = format!("palisade-events-{}", acct.account_id);
    let queue_url = sqs.create_queue().queue_name(&queue_name).send().await.unwrap().queue_url.unwrap();
    let queue_arn = format!("arn:aws:sqs:us-east-1:{palisade_account}:{queue_name}");
    let pattern = r#"{"detail-type": ["AWS API Call via CloudTrail"]}"#;
    let events = aws_sdk_eventbridge::Client::new(&base);
    let rule = format!("palisade-{}", acct.account_id);
    events.put_rule().name(&rule).event_pattern(pattern).send().await.unwrap();
    events
        .put_targets()
        .rule(&rule)
        .targets(aws_sdk_eventbridge::types::Target::builder().id("queue").arn(&queue_arn).build().unwrap())
        .send()
        .await
        .unwrap();
    let target_events = aws_sdk_eventbridge::Client::new(&acct.sdk);
    target_events.put_rule().name("palisade-realtime").event_pattern(pattern).send().await.unwrap();
    let palisade_bus = format!("arn:aws:events:us-east-1:{palisade_account}:event-bus/default");
    target_events
        .put_targets()
        .rule("palisade-realtime")
        .targets(aws_sdk_eventbridge::types::Target::builder().id("palisade").arn(palisade_bus).build().unwrap())
        .send()
        .await
        .unwrap();
    let put_event = |event_name: &'static str, request: serde_json::Value| {
        let (client, account) = (target_events.clone(), acct.account_id.clone());
        async move {
            let entry = aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .source("aws.ec2")
                .detail_type("AWS API Call via CloudTrail")
                .detail(cloudtrail_detail(&account, event_name, request))
                .build();
            let out = client.put_events().entries(entry).send().await.unwrap();
            assert_eq!(out.failed_entry_count, 0, "{out:?}");
        }
    };

    // A compliant group in a source with real-time events on.
    let ec2 = acct.ec2("us-east-1");
    let vpc = ec2.create_vpc().cidr_block("10.3.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let sg = ec2.create_security_group().group_name("web").description("web").vpc_id(vpc).send().await.unwrap();
    let sg = sg.group_id.unwrap();
    let group = format!("arn:aws:ec2:us-east-1:{}:security-group/{sg}", acct.account_id);
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    let out = run(palisade()
        .args(["source", "add", "--name", "rt", "--account-id", &acct.account_id, "--label", "Prod", "--realtime"])
        .args(["--regions", "us-east-1", "--db"])
        .arg(&db));
    assert!(out.status.success(), "source add: {}", stderr(&out));

    let receiver = palisade_testkit::HttpReceiver::start(vec![]);
    let serve = Serve::start_with(
        &db,
        dir.path(),
        &[
            "--queue-url",
            &queue_url,
            "--poll-wait",
            "1s",
            "--max-event-bytes",
            "4096",
            "--listen",
            "127.0.0.1:0",
            "--alert-webhook",
            &receiver.url,
            "--alert-min-severity",
            "HIGH",
        ],
    );
    let addr = serve.listening();
    let baseline = wait_for_completed_scan(&db, "rt", &serve);
    assert_eq!(ssh_status(&db, &group).as_deref(), Some("PASS"), "the baseline sees a compliant group");

    // Garbage first: the consumer must survive it and handle the real event after it.
    for body in [
        "this is not JSON".to_string(),
        r#"{"version":"0","detail-type":"AWS API Call via Clo"#.to_string(),
        "x".repeat(10_000),
    ] {
        sqs.send_message().queue_url(&queue_url).message_body(body).send().await.unwrap();
    }
    // A valid event from an account that is not a source is dropped and counted.
    let stranger = palisade_testkit::fresh_account_id();
    let stranger_event = serde_json::json!({
        "version": "0", "id": "1", "detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
        "time": chrono::Utc::now().to_rfc3339(), "region": "us-east-1", "resources": [],
        "detail": serde_json::from_str::<serde_json::Value>(&cloudtrail_detail(&stranger, "AuthorizeSecurityGroupIngress", serde_json::json!({"groupId": "sg-12345678"}))).unwrap(),
    });
    sqs.send_message().queue_url(&queue_url).message_body(stranger_event.to_string()).send().await.unwrap();

    // Open SSH to the world, then tell Palisade the way CloudTrail would.
    let open = serde_json::json!({"groupId": sg, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}});
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    put_event("AuthorizeSecurityGroupIngress", open.clone()).await;
    wait_for_status(&db, &group, "FAIL", &serve);

    // Close it again: the finding resolves.
    ec2.revoke_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    put_event("RevokeSecurityGroupIngress", open).await;
    wait_for_status(&db, &group, "PASS", &serve);

    // Both flips came from event rescans: the only full scan is still the baseline.
    let store = palisade_store::SqliteStore::open(&db).unwrap();
    let scans = store.recent_scans(100).unwrap();
    let full: Vec<_> = scans.iter().filter(|s| s.source == "rt" && s.kind == palisade_store::ScanKind::Full).collect();
    assert_eq!(full.len(), 1, "no full scan besides the baseline: {scans:?}");
    assert_eq!(baseline["last_scan"]["id"], serde_json::json!(full[0].id));
    assert!(scans.iter().any(|s| s.kind == palisade_store::ScanKind::Event), "{scans:?}");
    let history = json(&run(palisade().args(["findings", "--format", "json", "--db"]).arg(&db)));
    let ssh = history
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource_id"] == group.as_str() && f["policy_id"] == "AWS.EC2.SecurityGroup.SSHOpenToWorld")
        .unwrap()
        .clone();
    assert!(!ssh["resolved_at"].is_null(), "the failure was resolved, not forgotten: {ssh}");

    // The three bad messages are dead-lettered with their reasons and bodies.
    let letters = json(&run(palisade().args(["dead-letters", "--format", "json", "--db"]).arg(&db)));
    let letters = letters.as_array().unwrap();
    assert_eq!(letters.len(), 3, "{letters:?}");
    let reasons: Vec<&str> = letters.iter().map(|l| l["reason"].as_str().unwrap()).collect();
    assert!(reasons.iter().any(|r| r.contains("JSON")), "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("4096")), "the oversized one names the limit: {reasons:?}");
    assert!(letters.iter().any(|l| l["body"].as_str().unwrap().len() == 10_000), "bodies are kept whole");

    let metrics = http_get(&addr, "/metrics");
    assert_eq!(metric(&metrics, "palisade_events_dead_lettered_total"), 3.0);
    assert_eq!(metric(&metrics, "palisade_events_dropped_total{reason=\"not_a_source\"}"), 1.0);
    assert_eq!(metric(&metrics, "palisade_events_applied_total"), 2.0);
    assert_eq!(metric(&metrics, "palisade_events_received_total"), 6.0);
    assert_eq!(metric(&metrics, "palisade_event_to_finding_seconds_count"), 2.0);
    assert_eq!(http_get(&addr, "/healthz").trim(), "ok");

    // Three changes to the same group that arrive together are one rescan.
    let rescans_before = metric(&metrics, "palisade_rescans_total");
    let entries: Vec<_> = (0..3)
        .map(|i| {
            let envelope = serde_json::json!({
                "version": "0", "id": format!("burst-{i}"), "detail-type": "AWS API Call via CloudTrail",
                "source": "aws.ec2", "time": chrono::Utc::now().to_rfc3339(), "region": "us-east-1", "resources": [],
                "detail": serde_json::from_str::<serde_json::Value>(&cloudtrail_detail(&acct.account_id, "ModifySecurityGroupRules", serde_json::json!({"ModifySecurityGroupRulesRequest": {"GroupId": sg}}))).unwrap(),
            });
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .message_body(envelope.to_string())
                .build()
                .unwrap()
        })
        .collect();
    sqs.send_message_batch().queue_url(&queue_url).set_entries(Some(entries)).send().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let metrics = loop {
        let metrics = http_get(&addr, "/metrics");
        if metric(&metrics, "palisade_events_applied_total") >= 5.0 {
            break metrics;
        }
        assert!(Instant::now() < deadline, "the burst was not applied:\n{metrics}\n{}", serve.log());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(metric(&metrics, "palisade_rescans_total") - rescans_before, 1.0, "{metrics}");

    // The webhook heard exactly one alert when the group started failing and one when it
    // resolved (the burst changed nothing), and nothing below HIGH.
    let alerts = receiver.wait_for(2);
    let about_group: Vec<&str> = alerts
        .iter()
        .filter(|a| a["resource_id"] == group.as_str() && a["policy_id"] == "AWS.EC2.SecurityGroup.SSHOpenToWorld")
        .map(|a| a["event"].as_str().unwrap())
        .collect();
    assert_eq!(about_group, vec!["finding.opened", "finding.resolved"], "{alerts:?}");
    assert!(alerts.iter().all(|a| a["severity"] == "HIGH" || a["severity"] == "CRITICAL"), "{alerts:?}");
}

/// Whether `bucket` blocks public ACLs, read through the API.
async fn blocks_public_acls(s3: &aws_sdk_s3::Client, bucket: &str) -> bool {
    match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => out.public_access_block_configuration().and_then(|c| c.block_public_acls()) == Some(true),
        Err(_) => false,
    }
}

/// Whether `group` lets the world in on port 22, read through the API.
async fn ssh_open(ec2: &aws_sdk_ec2::Client, group: &str) -> bool {
    let out = ec2.describe_security_groups().group_ids(group).send().await.unwrap();
    out.security_groups()[0]
        .ip_permissions()
        .iter()
        .any(|p| p.from_port() == Some(22) && p.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_remediates_opted_in_sources_at_once_after_an_event_and_others_after_the_delay() {
    let base = palisade_testkit::base_config().await;
    let (fixed, untouched) = (palisade_testkit::TestAccount::new().await, palisade_testkit::TestAccount::new().await);
    let dir = tempfile::tempdir().unwrap();
    let db = db(dir.path());
    for (name, acct, opt_in) in [("fixed", &fixed, true), ("untouched", &untouched, false)] {
        acct.s3("us-east-1").create_bucket().bucket(format!("serve-rem-{}", acct.account_id)).send().await.unwrap();
        let mut add = palisade();
        add.args(["source", "add", "--name", name, "--account-id", &acct.account_id, "--label", "Dev", "--realtime"]);
        if opt_in {
            add.arg("--remediation");
        }
        let out = run(add.args(["--regions", "us-east-1", "--db"]).arg(&db));
        assert!(out.status.success(), "source add: {}", stderr(&out));
    }
    let ec2 = fixed.ec2("us-east-1");
    let vpc = ec2.create_vpc().cidr_block("10.9.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let sg = ec2.create_security_group().group_name("adm").description("adm").vpc_id(vpc).send().await.unwrap();
    let sg = sg.group_id.unwrap();
    let group = format!("arn:aws:ec2:us-east-1:{}:security-group/{sg}", fixed.account_id);
    let sqs = aws_sdk_sqs::Client::new(&base);
    let queue = format!("palisade-rem-{}", fixed.account_id);
    let queue_url = sqs.create_queue().queue_name(&queue).send().await.unwrap().queue_url.unwrap();

    // Phase 1: an hour's delay, but fixes follow real-time events at once.
    let mut serve = Serve::start_with(
        &db,
        dir.path(),
        &["--queue-url", &queue_url, "--poll-wait", "1s", "--remediation-delay", "1h", "--remediate-on-event"],
    );
    wait_for_completed_scan(&db, "fixed", &serve);
    wait_for_completed_scan(&db, "untouched", &serve);
    std::thread::sleep(Duration::from_secs(3));
    let fixed_bucket = format!("serve-rem-{}", fixed.account_id);
    assert!(!blocks_public_acls(&fixed.s3("us-east-1"), &fixed_bucket).await, "fixed before the delay");

    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    let event = serde_json::json!({
        "version": "0", "id": "rem-1", "detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
        "time": chrono::Utc::now().to_rfc3339(), "region": "us-east-1", "resources": [],
        "detail": serde_json::from_str::<serde_json::Value>(&cloudtrail_detail(&fixed.account_id, "AuthorizeSecurityGroupIngress", serde_json::json!({"groupId": sg}))).unwrap(),
    });
    sqs.send_message().queue_url(&queue_url).message_body(event.to_string()).send().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while ssh_open(&ec2, &sg).await {
        assert!(Instant::now() < deadline, "the event's finding was not fixed:\n{}", serve.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for_status(&db, &group, "PASS", &serve);
    assert!(!blocks_public_acls(&fixed.s3("us-east-1"), &fixed_bucket).await, "only the event's resource is fixed");
    assert!(serve.terminate().success(), "{}", serve.log());

    // Phase 2: no delay: the opted-in source's bucket is fixed, the other source's never.
    let serve = Serve::start_with(&db, dir.path(), &["--remediation-delay", "0s"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !blocks_public_acls(&fixed.s3("us-east-1"), &fixed_bucket).await {
        assert!(Instant::now() < deadline, "the bucket was not fixed:\n{}", serve.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    std::thread::sleep(Duration::from_secs(3));
    let untouched_bucket = format!("serve-rem-{}", untouched.account_id);
    assert!(!blocks_public_acls(&untouched.s3("us-east-1"), &untouched_bucket).await, "not opted in: never changed");

    // Every fix is in the audit log, applied and verified, and only for the opted-in source.
    let history = json(&run(palisade().args(["remediate", "--history", "--format", "json", "--db"]).arg(&db)));
    let rows = history.as_array().unwrap();
    assert!(rows.iter().all(|r| r["source"] == "fixed" && r["mode"] == "apply"), "{history:#}");
    for resource in [group.clone(), format!("arn:aws:s3:::{fixed_bucket}")] {
        assert!(
            rows.iter().any(|r| r["resource_id"] == resource.as_str() && r["verified"] == true),
            "{resource} not verified: {history:#}"
        );
    }
}
