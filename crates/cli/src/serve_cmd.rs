//! `palisade serve`: runs until stopped, doing what the sources need without being asked: the
//! scheduler (a baseline scan of each source as soon as it is added, then one per run of its
//! schedule), the real-time consumer (`--queue-url`: CloudTrail events from the sources'
//! EventBridge rules, each rescanning the resources it names), automatic remediation (the fixes of
//! sources that opted in, once a finding has failed for `--remediation-delay`, or at once after a
//! real-time event with `--remediate-on-event`), and the HTTP server (`--listen`: health,
//! Prometheus metrics and the REST API).
//!
//! Each component is a task that runs until the shared stop signal turns true, then winds down:
//! SIGINT or SIGTERM turns it, running scans roll back (the previous results stay), and `serve`
//! exits 0 once every component has finished. A component that ends by itself is a failure: the
//! others are stopped and `serve` exits 1.

use crate::{exit, policy_cmd, source_cmd};
use anyhow::Context;
use clap::Args;
use palisade_engine::realtime::{RealtimeConsumer, RealtimeMetrics, RealtimeOptions};
use palisade_engine::{
    AlertSink, AwsScanner, Destination, DestinationKind, FanOut, FindingChangeKind, FindingEvent, HttpAlertSink,
    LogSink, RetryPolicy, Scheduler, SchedulerOptions, SystemClock,
};
use palisade_policy::{Evaluator, Params};
use palisade_remediate::{AutoOptions, AutoRemediation, RemediationRunner};
use serde::Deserialize;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The log filter when `RUST_LOG` is not set: `serve` reports each scan it starts and ends.
pub const DEFAULT_LOG: &str = "warn,palisade=info,palisade_engine=info";

/// Flags override the config file, which overrides the defaults shown.
#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// A YAML file with any of the settings below (keys as the flags, with `_` for `-`:
    /// `db`, `queue_url`, `listen`, `poll_wait`, `max_event_bytes`, `tick`, `jitter`,
    /// `max_accounts`, `concurrency`, `policies`, `alerts` (destinations), `remediation_delay`,
    /// `remediate_on_event`, `remediation_role_name`, and `auto_remediation: false`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The embedded store (SQLite), with the sources to scan [default: palisade.db].
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// How often due sources are looked for, e.g. 30s, 1m (a source added is scanned within one
    /// tick) [default: 30s].
    #[arg(long, value_parser = parse_tick)]
    pub tick: Option<Duration>,
    /// Each source's runs are shifted by a fixed offset within this window (from a hash of its
    /// name), so daily sources do not all start at midnight, e.g. 30m, 0s [default: 30m].
    #[arg(long, value_parser = parse_duration)]
    pub jitter: Option<Duration>,
    /// Sources scanned at once [default: 8].
    #[arg(long)]
    pub max_accounts: Option<usize>,
    /// Collector tasks (one service in one region) at once within one account [default: 8].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// A directory of extra policies (and their tests), added to the built-in pack.
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// The SQS queue the real-time StackSet's rules feed (`palisade onboard realtime`); events
    /// from sources with real-time events on rescan the resources they name.
    #[arg(long)]
    pub queue_url: Option<String>,
    /// Long-poll wait of each queue receive, at most 20s [default: 20s].
    #[arg(long, value_parser = parse_duration)]
    pub poll_wait: Option<Duration>,
    /// Queue messages larger than this many bytes are dead-lettered unread [default: 262144].
    #[arg(long)]
    pub max_event_bytes: Option<usize>,
    /// Serve HTTP here: the web UI, the REST API (/api/v1, with a token from `palisade token
    /// create`), /healthz and /metrics (Prometheus text), e.g. 127.0.0.1:8080.
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// POST a JSON object to this URL for each finding that starts failing or resolves
    /// (repeatable; more destinations, each with its own minimum severity, in the config file).
    #[arg(long)]
    pub alert_webhook: Vec<String>,
    /// Post each such alert to this Slack incoming webhook (repeatable).
    #[arg(long)]
    pub alert_slack: Vec<String>,
    /// The least severity alerted by `--alert-webhook` / `--alert-slack` [default: LOW].
    #[arg(long)]
    pub alert_min_severity: Option<palisade_model::Severity>,
    /// Sources that opted in (`source add --remediation`) get a finding fixed once it has failed
    /// this long, e.g. 0s, 15m, 1h [default: 1h].
    #[arg(long, value_parser = parse_duration)]
    pub remediation_delay: Option<Duration>,
    /// Also fix at once the findings a real-time event opened (for sources that opted in).
    #[arg(long)]
    pub remediate_on_event: bool,
    /// Never remediate automatically, whatever the sources opted in to.
    #[arg(long)]
    pub no_auto_remediation: bool,
    /// The role assumed in a source's account to remediate [default: PalisadeRemediation].
    #[arg(long)]
    pub remediation_role_name: Option<String>,
    /// The AWS account Palisade runs in, which the Add Account wizard's role templates trust
    /// [default: the account of the ambient credentials].
    #[arg(long)]
    pub palisade_account_id: Option<String>,
}

/// The config file: the same settings as the flags.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct ServeConfig {
    db: Option<PathBuf>,
    tick: Option<String>,
    jitter: Option<String>,
    max_accounts: Option<usize>,
    concurrency: Option<usize>,
    policies: Option<PathBuf>,
    queue_url: Option<String>,
    poll_wait: Option<String>,
    max_event_bytes: Option<usize>,
    listen: Option<SocketAddr>,
    #[serde(default)]
    alerts: Vec<Destination>,
    auto_remediation: Option<bool>,
    remediation_delay: Option<String>,
    remediate_on_event: Option<bool>,
    remediation_role_name: Option<String>,
    palisade_account_id: Option<String>,
}

/// Every setting resolved: flag, else config file, else default.
#[derive(Debug, PartialEq)]
pub struct ServeSettings {
    pub db: PathBuf,
    pub tick: Duration,
    pub jitter: Duration,
    pub max_accounts: usize,
    pub concurrency: usize,
    pub policies: Option<PathBuf>,
    pub queue_url: Option<String>,
    pub poll_wait: Duration,
    pub max_event_bytes: usize,
    pub listen: Option<SocketAddr>,
    pub alerts: Vec<Destination>,
    /// `None`: no automatic remediation.
    pub remediation: Option<RemediationSettings>,
    pub palisade_account_id: Option<String>,
}

/// How `serve` remediates automatically.
#[derive(Debug, PartialEq)]
pub struct RemediationSettings {
    pub delay: Duration,
    pub on_event: bool,
    pub role_name: String,
}

impl ServeArgs {
    pub fn settings(self) -> anyhow::Result<ServeSettings> {
        let file = match &self.config {
            Some(path) => read_config(path)?,
            None => ServeConfig::default(),
        };
        let duration = |flag: Option<Duration>,
                        key: &str,
                        text: Option<String>,
                        parse: fn(&str) -> Result<Duration, String>,
                        default|
         -> anyhow::Result<Duration> {
            match (flag, text) {
                (Some(d), _) => Ok(d),
                (None, Some(t)) => parse(&t).map_err(|e| anyhow::anyhow!("config {key}: {e}")),
                (None, None) => Ok(default),
            }
        };
        let remediation = match self.no_auto_remediation || file.auto_remediation == Some(false) {
            true => None,
            false => Some(RemediationSettings {
                delay: duration(
                    self.remediation_delay,
                    "remediation_delay",
                    file.remediation_delay,
                    parse_duration,
                    Duration::from_secs(3600),
                )?,
                on_event: self.remediate_on_event || file.remediate_on_event == Some(true),
                role_name: self
                    .remediation_role_name
                    .or(file.remediation_role_name)
                    .unwrap_or_else(|| palisade_remediate::REMEDIATION_ROLE_NAME.to_string()),
            }),
        };
        Ok(ServeSettings {
            remediation,
            palisade_account_id: self.palisade_account_id.or(file.palisade_account_id),
            db: self.db.or(file.db).unwrap_or_else(|| PathBuf::from("palisade.db")),
            tick: duration(self.tick, "tick", file.tick, parse_tick, Duration::from_secs(30))?,
            jitter: duration(self.jitter, "jitter", file.jitter, parse_duration, Duration::from_secs(1800))?,
            max_accounts: self.max_accounts.or(file.max_accounts).unwrap_or(8),
            concurrency: self.concurrency.or(file.concurrency).unwrap_or(8),
            policies: self.policies.or(file.policies),
            queue_url: self.queue_url.or(file.queue_url),
            poll_wait: duration(self.poll_wait, "poll_wait", file.poll_wait, parse_duration, Duration::from_secs(20))?,
            max_event_bytes: self
                .max_event_bytes
                .or(file.max_event_bytes)
                .unwrap_or(palisade_collect::aws::events::DEFAULT_MAX_EVENT_BYTES),
            listen: self.listen.or(file.listen),
            alerts: {
                let min_severity = self.alert_min_severity.unwrap_or(palisade_model::Severity::Low);
                let flagged = |kind: DestinationKind, urls: Vec<String>| {
                    urls.into_iter().enumerate().map(move |(i, url)| Destination {
                        name: format!("{kind:?}-{i}").to_lowercase(),
                        kind,
                        url,
                        min_severity,
                    })
                };
                let mut alerts = file.alerts;
                alerts.extend(flagged(DestinationKind::Webhook, self.alert_webhook));
                alerts.extend(flagged(DestinationKind::Slack, self.alert_slack));
                alerts
            },
        })
    }
}

fn read_config(path: &Path) -> anyhow::Result<ServeConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_norway::from_str(&text).map_err(|e| match e.location() {
        Some(at) => anyhow::anyhow!("{}:{}: {e}", path.display(), at.line()),
        None => anyhow::anyhow!("{}: {e}", path.display()),
    })
}

/// One long-running part of `serve`, named for its logs.
type Component = (&'static str, Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>);

pub async fn run(args: ServeArgs) -> anyhow::Result<u8> {
    let settings = args.settings()?;
    // Everything that can be wrong with the setup fails now, not at the first scan: the policy
    // pack (loaded and compiled once here), the store and the listening port.
    let pack = Arc::new(policy_cmd::load_pack(settings.policies.as_deref())?);
    let params = Params::new();
    let evaluator = Evaluator::new(&pack, &params, chrono::Utc::now()).context("compiling the policy pack")?;
    drop(source_cmd::open(&settings.db)?);
    let connector = palisade_collect::aws::AwsConnector::from_environment().await;

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut components: Vec<Component> = Vec::new();
    let mut sinks: Vec<Arc<dyn AlertSink>> = vec![Arc::new(LogSink)];
    if !settings.alerts.is_empty() {
        sinks.push(Arc::new(HttpAlertSink::start(settings.alerts.clone(), RetryPolicy::default())));
    }
    let alerts: Arc<dyn AlertSink> = Arc::new(FanOut(sinks));
    let scanner = AwsScanner {
        connector: connector.clone(),
        db: settings.db.clone(),
        pack: pack.clone(),
        params,
        per_account: settings.concurrency,
        alerts: alerts.clone(),
    };
    let opts = SchedulerOptions { tick: settings.tick, jitter: settings.jitter, max_accounts: settings.max_accounts };
    let scheduler =
        Scheduler::new(settings.db.clone(), opts, Arc::new(SystemClock), Arc::new(scanner), stop_rx.clone());
    components.push(("scheduler", Box::pin(async move { Ok(scheduler.run().await?) })));

    // Real-time rescans tell the remediation loop which resources just started failing.
    let mut event_alerts = alerts.clone();
    if let Some(remediation) = &settings.remediation {
        let (trigger, opened) = tokio::sync::mpsc::unbounded_channel();
        if remediation.on_event {
            event_alerts = Arc::new(FanOut(vec![alerts.clone(), Arc::new(RemediationTrigger(trigger))]));
        }
        let runner = RemediationRunner::new(connector.clone(), settings.db.clone(), evaluator.clone());
        let opts = AutoOptions {
            delay: chrono::Duration::from_std(remediation.delay).context("remediation delay")?,
            interval: settings.tick,
            role_name: remediation.role_name.clone(),
            ..AutoOptions::default()
        };
        let stop = stop_rx.clone();
        let auto = AutoRemediation::new(runner, opts);
        components.push((
            "remediation",
            Box::pin(async move {
                auto.run(opened, stop).await;
                Ok(())
            }),
        ));
    }

    // The wizard's role templates trust Palisade's own account; without one it asks for it.
    let palisade_account_id = match crate::onboard_cmd::palisade_account(settings.palisade_account_id.clone()).await {
        Ok(id) => Some(id),
        Err(e) if settings.palisade_account_id.is_some() => return Err(e),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "the Palisade account is unknown; the Add Account wizard will ask for it");
            None
        }
    };
    let mut state = palisade_server::ServerState {
        db: Some(settings.db.clone()),
        pack: Some(pack.clone()),
        palisade_account_id,
        queue_arn: settings.queue_url.as_deref().and_then(|url| connector.event_queue(url).arn()),
        ..Default::default()
    };
    if let Some(url) = &settings.queue_url {
        let metrics = Arc::new(RealtimeMetrics::default());
        state.realtime = Some(metrics.clone());
        let opts = RealtimeOptions {
            wait: settings.poll_wait,
            max_event_bytes: settings.max_event_bytes,
            ..RealtimeOptions::default()
        };
        let consumer = RealtimeConsumer::new(
            connector.event_queue(url),
            connector.clone(),
            settings.db.clone(),
            evaluator,
            opts,
            metrics,
            event_alerts,
        );
        let stop = stop_rx.clone();
        components.push(("real-time consumer", Box::pin(async move { Ok(consumer.run(stop).await?) })));
    }
    if let Some(addr) = settings.listen {
        let (local, server) = palisade_server::bind(addr, state, stop_rx.clone()).await?;
        // Tests and scripts read the bound address (the port may have been 0).
        eprintln!("listening on http://{local}");
        components.push(("http server", Box::pin(async move { Ok(server.await?) })));
    }

    let mut running = JoinSet::new();
    for (name, component) in components {
        running.spawn(async move { (name, component.await) });
    }
    tracing::info!(db = %settings.db.display(), tick = ?settings.tick, jitter = ?settings.jitter, queue = ?settings.queue_url, "palisade serve started");
    let mut failed = false;
    tokio::select! {
        () = crate::scan_cmd::shutdown_signal() => tracing::info!("stopping: running scans are rolled back"),
        Some(joined) = running.join_next() => failed |= ended(joined, false),
    }
    let _ = stop_tx.send(true);
    while let Some(joined) = running.join_next().await {
        failed |= ended(joined, true);
    }
    tracing::info!("palisade serve stopped");
    Ok(if failed { exit::ERROR } else { exit::OK })
}

/// Sends the resources whose findings an event opened to the remediation loop.
struct RemediationTrigger(tokio::sync::mpsc::UnboundedSender<Vec<String>>);

impl AlertSink for RemediationTrigger {
    fn notify(&self, _source: &str, events: &[FindingEvent]) {
        let opened: Vec<String> =
            events.iter().filter(|e| e.change == FindingChangeKind::Opened).map(|e| e.resource_id.clone()).collect();
        if !opened.is_empty() {
            // The loop is gone only while serve stops.
            let _ = self.0.send(opened);
        }
    }
}

/// Reports how a component ended; `true` if that is a failure (an error, a panic, or ending before
/// it was asked to stop).
fn ended(joined: Result<(&'static str, anyhow::Result<()>), tokio::task::JoinError>, asked: bool) -> bool {
    match joined {
        Ok((_, Ok(()))) if asked => false,
        Ok((name, Ok(()))) => {
            tracing::error!(component = name, "stopped unexpectedly");
            eprintln!("error: the {name} stopped unexpectedly");
            true
        }
        Ok((name, Err(e))) => {
            tracing::error!(component = name, error = %format!("{e:#}"), "failed");
            eprintln!("error: the {name} failed: {e:#}");
            true
        }
        Err(e) => {
            eprintln!("error: a component of serve panicked: {e}");
            true
        }
    }
}

/// A duration as a number and a unit: `500ms`, `30s`, `5m`, `1h`, `1d`.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: expected a number and a unit, e.g. 500ms, 30s, 5m, 1h");
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = s.split_at(split);
    let n: u64 = number.parse().map_err(|_| bad())?;
    let ms = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(ms).map(Duration::from_millis).ok_or_else(bad)
}

/// A tick: a duration of at least 100ms, so the scheduler never spins on the store.
fn parse_tick(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < Duration::from_millis(100) {
        return Err(format!("tick {s:?} is too short: use at least 100ms"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    #[test]
    fn parses_durations() {
        for (text, expected) in [("500ms", 500), ("30s", 30_000), ("5m", 300_000), ("1h", 3_600_000), ("0s", 0)] {
            assert_eq!(parse_duration(text), Ok(Duration::from_millis(expected)), "{text}");
        }
        for bad in ["", "30", "s", "1.5s", "-1s", "10 s", "3w"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} must be rejected");
        }
        assert!(parse_tick("10ms").is_err());
    }

    fn settings(argv: &[&str]) -> anyhow::Result<ServeSettings> {
        let cli = Cli::try_parse_from(argv)?;
        let Command::Serve(a) = cli.command else { panic!("not serve") };
        a.settings()
    }

    #[test]
    fn parses_serve_flags() {
        let s = settings(&["palisade", "serve", "--db", "x.db", "--tick", "1s", "--max-accounts", "2"]).unwrap();
        assert_eq!(
            (s.db, s.tick, s.jitter, s.max_accounts, s.queue_url, s.poll_wait),
            ("x.db".into(), Duration::from_secs(1), Duration::from_secs(1800), 2, None, Duration::from_secs(20))
        );
        assert!(Cli::try_parse_from(["palisade", "serve", "--tick", "0s"]).is_err());
    }

    #[test]
    fn flags_override_the_config_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve.yaml");
        std::fs::write(&path, "db: from-file.db\nqueue_url: https://sqs.eu-west-1.amazonaws.com/123456789012/q\npoll_wait: 5s\nlisten: 127.0.0.1:9000\n").unwrap();
        let config = path.to_str().unwrap();
        let s = settings(&["palisade", "serve", "--config", config]).unwrap();
        assert_eq!(s.db, PathBuf::from("from-file.db"));
        assert_eq!(s.queue_url.as_deref(), Some("https://sqs.eu-west-1.amazonaws.com/123456789012/q"));
        assert_eq!((s.poll_wait, s.listen), (Duration::from_secs(5), Some("127.0.0.1:9000".parse().unwrap())));
        let s = settings(&["palisade", "serve", "--config", config, "--db", "flag.db", "--poll-wait", "1s"]).unwrap();
        assert_eq!((s.db, s.poll_wait), (PathBuf::from("flag.db"), Duration::from_secs(1)));

        std::fs::write(
            &path,
            "alerts:\n  - {name: sec, kind: slack, url: 'https://hooks.slack.com/services/x', min_severity: HIGH}\n",
        )
        .unwrap();
        let s =
            settings(&["palisade", "serve", "--config", config, "--alert-webhook", "http://127.0.0.1:9/h"]).unwrap();
        let kinds: Vec<_> = s.alerts.iter().map(|d| (d.kind, d.min_severity)).collect();
        assert_eq!(
            kinds,
            vec![
                (DestinationKind::Slack, palisade_model::Severity::High),
                (DestinationKind::Webhook, palisade_model::Severity::Low)
            ]
        );

        std::fs::write(&path, "db: x.db\nqueue: typo\n").unwrap();
        let err = settings(&["palisade", "serve", "--config", config]).unwrap_err().to_string();
        assert!(err.contains("serve.yaml:2") && err.contains("unknown field"), "{err}");
        std::fs::write(&path, "poll_wait: soon\n").unwrap();
        let err = settings(&["palisade", "serve", "--config", config]).unwrap_err().to_string();
        assert!(err.contains("poll_wait") && err.contains("invalid duration"), "{err}");
    }
}
