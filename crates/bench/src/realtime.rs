//! Real-time: event-to-finding latency. Starts `palisade serve --queue-url` on a source with real
//! time events on, puts CloudTrail-shaped events (as EventBridge delivers them) on the queue at a
//! steady rate, and reads the latency quantiles the server measured (time from each event's
//! `eventTime` to its rescan committed) from its `/metrics`.

use anyhow::{bail, Context};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RealtimeRun {
    pub events: usize,
    pub groups: usize,
    pub rate: f64,
    pub p50: f64,
    pub p99: f64,
    pub mean: f64,
    pub applied: u64,
    pub wall: Duration,
}

/// The serve child, killed when dropped.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn run(
    palisade: &Path,
    endpoint: &str,
    dir: &Path,
    events: usize,
    groups: usize,
    rate: f64,
) -> anyhow::Result<RealtimeRun> {
    let base = palisade_testkit::config_for(endpoint).await;
    let account = palisade_testkit::fresh_account_id();
    let conf = palisade_testkit::config_in_account(&base, &account, "bench").await;
    let ec2 = aws_sdk_ec2::Client::new(&conf);
    let vpc = ec2.create_vpc().cidr_block("10.8.0.0/16").send().await?.vpc.and_then(|v| v.vpc_id).context("vpc")?;
    let mut group_ids = Vec::new();
    for i in 0..groups {
        let sg =
            ec2.create_security_group().group_name(format!("g{i}")).description("bench").vpc_id(&vpc).send().await?;
        group_ids.push(sg.group_id.context("group id")?);
    }
    let sqs = aws_sdk_sqs::Client::new(&base);
    let queue_url = sqs.create_queue().queue_name(format!("bench-{account}")).send().await?.queue_url.context("url")?;

    let db = dir.join("realtime.db");
    let _ = std::fs::remove_file(&db);
    let out = Command::new(palisade)
        .args(["source", "add", "--name", "rt", "--account-id", &account, "--label", "Prod", "--realtime"])
        .args(["--regions", "us-east-1", "--db"])
        .arg(&db)
        .output()?;
    if !out.status.success() {
        bail!("source add: {}", String::from_utf8_lossy(&out.stderr));
    }
    let log = dir.join("serve.log");
    let child = Command::new(palisade)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["serve", "--tick", "1s", "--poll-wait", "1s", "--listen", "127.0.0.1:0", "--queue-url", &queue_url])
        .arg("--db")
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    let _serve = Serve(child);
    let addr = wait_for(Duration::from_secs(60), || {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        text.lines().find_map(|l| l.strip_prefix("listening on http://")).map(|a| a.trim().to_string())
    })
    .context("serve never listened")?;
    // Let the baseline scan finish so it does not compete with the rescans being measured.
    wait_for(Duration::from_secs(300), || {
        let out = Command::new(palisade).args(["source", "list", "--format", "json", "--db"]).arg(&db).output().ok()?;
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        (list[0]["last_scan"]["status"] == "completed").then_some(())
    })
    .context("the baseline scan did not complete")?;

    let started = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / rate);
    for i in 0..events {
        let due = started + interval * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        let body = envelope(&account, &group_ids[i % group_ids.len()], i);
        sqs.send_message().queue_url(&queue_url).message_body(body).send().await?;
    }
    let metrics = wait_for(Duration::from_secs(600), || {
        let text = http_get(&addr, "/metrics").ok()?;
        (sample(&text, "palisade_events_applied_total")? as usize >= events).then_some(text)
    })
    .context("not every event was applied")?;
    let wall = started.elapsed();
    let quantile = |q: &str| sample(&metrics, &format!("palisade_event_to_finding_recent_seconds{{quantile=\"{q}\"}}"));
    Ok(RealtimeRun {
        events,
        groups,
        rate,
        p50: quantile("0.5").context("p50")?,
        p99: quantile("0.99").context("p99")?,
        mean: sample(&metrics, "palisade_event_to_finding_seconds_sum").unwrap_or(0.0)
            / sample(&metrics, "palisade_event_to_finding_seconds_count").unwrap_or(1.0),
        applied: sample(&metrics, "palisade_events_applied_total").unwrap_or(0.0) as u64,
        wall,
    })
}

/// An `AuthorizeSecurityGroupIngress` event on `group`, stamped now (with milliseconds, so the
/// measured latency is not rounded to CloudTrail's usual whole seconds).
fn envelope(account: &str, group: &str, i: usize) -> String {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    serde_json::json!({
        "version": "0", "id": format!("bench-{i}"), "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2", "time": now, "region": "us-east-1", "resources": [],
        "detail": {
            "eventVersion": "1.08", "eventTime": now, "eventSource": "ec2.amazonaws.com",
            "eventName": "AuthorizeSecurityGroupIngress", "awsRegion": "us-east-1",
            "requestParameters": {"groupId": group}, "responseElements": {"_return": true},
            "eventID": format!("bench-{i}"), "readOnly": false, "eventType": "AwsApiCall",
            "managementEvent": true, "recipientAccountId": account
        }
    })
    .to_string()
}

fn wait_for<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn http_get(addr: &str, path: &str) -> std::io::Result<String> {
    let mut stream = std::net::TcpStream::connect(addr)?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

pub fn table(r: &RealtimeRun) -> String {
    format!(
        "{} events over {} security groups, sent at {:.0}/s straight to the queue; `serve --poll-wait 1s`.\n\n\
         | Events | Applied | p50 (s) | p99 (s) | Mean (s) | Wall (s) |\n|---:|---:|---:|---:|---:|---:|\n\
         | {} | {} | {:.3} | {:.3} | {:.3} | {:.1} |\n",
        r.events,
        r.groups,
        r.rate,
        r.events,
        r.applied,
        r.p50,
        r.p99,
        r.mean,
        r.wall.as_secs_f64()
    )
}
