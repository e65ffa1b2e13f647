//! Alerts over HTTP: a JSON webhook or a Slack incoming webhook, each with a minimum severity.
//! Every destination has its own worker thread and bounded queue, so `notify` never waits on the
//! network: a slow or failing destination delays only its own alerts. Each alert is retried with
//! exponential backoff and then given up (logged), never retried forever.

use super::AlertSink;
use crate::scan::{FindingChangeKind, FindingEvent};
use palisade_model::Severity;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

/// Alerts waiting per destination; beyond this, new ones are dropped (and counted).
const QUEUE: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DestinationKind {
    /// POSTs each alert as one JSON object.
    Webhook,
    /// POSTs `{"text": ...}` to a Slack incoming webhook.
    Slack,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Destination {
    pub name: String,
    pub kind: DestinationKind,
    pub url: String,
    /// Alerts about findings below this severity are not sent.
    pub min_severity: Severity,
}

/// How each alert is retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_backoff: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { attempts: 6, first_backoff: Duration::from_secs(1), timeout: Duration::from_secs(10) }
    }
}

struct Outbox {
    destination: Destination,
    tx: SyncSender<serde_json::Value>,
}

/// Counters shared with the workers.
#[derive(Default, Debug)]
pub struct DeliveryCounts {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
}

pub struct HttpAlertSink {
    outboxes: Vec<Outbox>,
    counts: Arc<DeliveryCounts>,
}

impl HttpAlertSink {
    /// Starts one worker thread per destination.
    pub fn start(destinations: Vec<Destination>, retry: RetryPolicy) -> Self {
        let counts = Arc::new(DeliveryCounts::default());
        let outboxes = destinations
            .into_iter()
            .map(|destination| {
                let (tx, rx) = sync_channel::<serde_json::Value>(QUEUE);
                let (url, name, counts) = (destination.url.clone(), destination.name.clone(), counts.clone());
                let agent = ureq::Agent::config_builder()
                    .timeout_global(Some(retry.timeout))
                    .http_status_as_error(false)
                    .build()
                    .new_agent();
                std::thread::Builder::new()
                    .name(format!("palisade-alerts-{name}"))
                    .spawn(move || {
                        for body in rx {
                            match deliver(&agent, &url, &body, retry) {
                                Ok(()) => counts.delivered.fetch_add(1, Ordering::Relaxed),
                                Err(e) => {
                                    tracing::error!(destination = %name, error = %e, "alert not delivered; giving up");
                                    counts.failed.fetch_add(1, Ordering::Relaxed)
                                }
                            };
                        }
                    })
                    .expect("spawn alert worker");
                Outbox { destination, tx }
            })
            .collect();
        Self { outboxes, counts }
    }

    pub fn counts(&self) -> Arc<DeliveryCounts> {
        self.counts.clone()
    }
}

impl AlertSink for HttpAlertSink {
    fn notify(&self, _source: &str, events: &[FindingEvent]) {
        for outbox in &self.outboxes {
            for event in events.iter().filter(|e| e.severity >= outbox.destination.min_severity) {
                let body = match outbox.destination.kind {
                    DestinationKind::Webhook => webhook_body(event),
                    DestinationKind::Slack => slack_body(event),
                };
                match outbox.tx.try_send(body) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                        self.counts.dropped.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(destination = %outbox.destination.name, "alert queue full; alert dropped");
                    }
                }
            }
        }
    }
}

/// POSTs `body`, retrying transport errors, 429 and 5xx with exponential backoff and jitter.
fn deliver(agent: &ureq::Agent, url: &str, body: &serde_json::Value, retry: RetryPolicy) -> Result<(), String> {
    let mut backoff = retry.first_backoff;
    let mut last = String::new();
    for attempt in 1..=retry.attempts.max(1) {
        match agent.post(url).send_json(body) {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) if resp.status().as_u16() == 429 || resp.status().is_server_error() => {
                last = format!("HTTP {}", resp.status());
            }
            // A 4xx other than 429 will not get better by retrying.
            Ok(resp) => return Err(format!("HTTP {} from {url}", resp.status())),
            Err(e) => last = e.to_string(),
        }
        if attempt < retry.attempts {
            std::thread::sleep(jittered(backoff));
            backoff = backoff.saturating_mul(2);
        }
    }
    Err(format!("{last} from {url} after {} attempts", retry.attempts))
}

/// Between half and all of `d`, so destinations that failed together do not retry together.
fn jittered(d: Duration) -> Duration {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|t| t.subsec_nanos()).unwrap_or(0);
    d / 2 + d.mul_f64(f64::from(nanos % 1000) / 2000.0)
}

fn change_name(change: FindingChangeKind) -> &'static str {
    match change {
        FindingChangeKind::Opened => "finding.opened",
        FindingChangeKind::Resolved => "finding.resolved",
    }
}

/// The webhook payload: one finding transition (a public interface, documented in the README).
pub(crate) fn webhook_body(e: &FindingEvent) -> serde_json::Value {
    serde_json::json!({
        "event": change_name(e.change),
        "at": chrono::Utc::now(),
        "policy_id": e.policy_id,
        "title": e.title,
        "severity": e.severity.as_str(),
        "resource_id": e.resource_id,
        "resource_type": e.resource_type,
        "source": e.source,
        "account_id": e.account_id,
        "region": e.region,
        "label": e.label,
        "message": e.message,
    })
}

fn slack_body(e: &FindingEvent) -> serde_json::Value {
    let head = match e.change {
        FindingChangeKind::Opened => format!(":rotating_light: *{}* {}", e.severity.as_str(), e.title),
        FindingChangeKind::Resolved => format!(":white_check_mark: Resolved: {}", e.title),
    };
    serde_json::json!({
        "text": format!(
            "{head}\n`{}` ({}, account {} {}, {})\n{}",
            e.resource_id, e.resource_type, e.account_id, e.label, e.region, e.message
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_testkit::HttpReceiver;
    use std::net::TcpListener;
    use std::time::Instant;

    fn event(change: FindingChangeKind, severity: Severity, resource: &str) -> FindingEvent {
        FindingEvent {
            change,
            policy_id: "AWS.EC2.SecurityGroup.SSHOpenToWorld".into(),
            resource_id: resource.into(),
            title: "SSH open to the world".into(),
            severity,
            resource_type: "AWS.EC2.SecurityGroup".into(),
            source: "prod".into(),
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            label: "Prod".into(),
            message: "port 22 open to 0.0.0.0/0".into(),
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy { attempts: 4, first_backoff: Duration::from_millis(20), timeout: Duration::from_secs(5) }
    }

    #[test]
    fn one_alert_per_transition_at_or_above_the_minimum_severity_with_retries() {
        // The first two answers fail (500, 503): the first alert is retried, delivered once.
        let receiver = HttpReceiver::start(vec![500, 503]);
        let url = receiver.url.clone();
        let sink = HttpAlertSink::start(
            vec![Destination {
                name: "hook".into(),
                kind: DestinationKind::Webhook,
                url,
                min_severity: Severity::Medium,
            }],
            fast(),
        );
        sink.notify(
            "prod",
            &[
                event(FindingChangeKind::Opened, Severity::High, "sg-1"),
                event(FindingChangeKind::Opened, Severity::Low, "sg-2"),
                event(FindingChangeKind::Resolved, Severity::Critical, "sg-3"),
            ],
        );
        let got = receiver.wait_for(2);
        let summary: Vec<(String, String)> = got
            .iter()
            .map(|b| (b["event"].as_str().unwrap().into(), b["resource_id"].as_str().unwrap().into()))
            .collect();
        assert_eq!(summary, vec![("finding.opened".into(), "sg-1".into()), ("finding.resolved".into(), "sg-3".into())]);
        assert_eq!(got[0]["severity"], "HIGH");
        assert_eq!(got[0]["account_id"], "123456789012");
        assert_eq!(sink.counts().delivered.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn slack_gets_text_and_a_dead_destination_never_blocks_notify() {
        let receiver = HttpReceiver::start(vec![]);
        let url = receiver.url.clone();
        let dead = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/", l.local_addr().unwrap())
        };
        let sink = HttpAlertSink::start(
            vec![
                Destination {
                    name: "dead".into(),
                    kind: DestinationKind::Webhook,
                    url: dead,
                    min_severity: Severity::Info,
                },
                Destination { name: "slack".into(), kind: DestinationKind::Slack, url, min_severity: Severity::Info },
            ],
            fast(),
        );
        let started = Instant::now();
        sink.notify("prod", &[event(FindingChangeKind::Opened, Severity::High, "sg-9")]);
        assert!(started.elapsed() < Duration::from_millis(100), "notify must not wait on the network");
        let got = receiver.wait_for(1);
        assert_eq!(got.len(), 1);
        let text = got[0]["text"].as_str().unwrap();
        assert!(text.contains("HIGH") && text.contains("sg-9") && text.contains("Prod"), "{text}");
        // The dead one gives up after its attempts and says so in the counts.
        let deadline = Instant::now() + Duration::from_secs(10);
        while sink.counts().failed.load(Ordering::Relaxed) == 0 {
            assert!(Instant::now() < deadline, "the dead destination never gave up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
