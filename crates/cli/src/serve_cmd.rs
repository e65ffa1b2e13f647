//! `palisade serve`: runs until stopped, doing what the sources need without being asked. Today
//! that is the scheduler (a baseline scan of each source as soon as it is added, then one per run
//! of its schedule); the HTTP API and the event consumer are later components beside it.
//!
//! Each component is a task that runs until the shared stop signal turns true, then winds down:
//! SIGINT or SIGTERM turns it, running scans roll back (the previous results stay), and `serve`
//! exits 0 once every component has finished. A component that ends by itself is a failure: the
//! others are stopped and `serve` exits 1.

use crate::{exit, policy_cmd, source_cmd};
use anyhow::Context;
use clap::Args;
use palisade_engine::{AwsScanner, Scheduler, SchedulerOptions, SystemClock};
use palisade_policy::{Evaluator, Params};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The log filter when `RUST_LOG` is not set: `serve` reports each scan it starts and ends.
pub const DEFAULT_LOG: &str = "warn,palisade=info,palisade_engine=info";

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The embedded store (SQLite), with the sources to scan.
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    /// How often due sources are looked for, e.g. 30s, 1m (a source added is scanned within one
    /// tick).
    #[arg(long, default_value = "30s", value_parser = parse_tick)]
    pub tick: Duration,
    /// Each source's runs are shifted by a fixed offset within this window (from a hash of its
    /// name), so daily sources do not all start at midnight, e.g. 30m, 0s.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub jitter: Duration,
    /// Sources scanned at once.
    #[arg(long, default_value_t = 8)]
    pub max_accounts: usize,
    /// Collector tasks (one service in one region) at once within one account.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// A directory of extra policies (and their tests), added to the built-in pack.
    #[arg(long)]
    pub policies: Option<PathBuf>,
}

/// One long-running part of `serve`, named for its logs.
type Component = (&'static str, Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>);

pub async fn run(args: ServeArgs) -> anyhow::Result<u8> {
    // Everything that can be wrong with the setup fails now, not at the first scan: the policy
    // pack (loaded and compiled once here) and the store.
    let pack = policy_cmd::load_pack(args.policies.as_deref())?;
    let params = Params::new();
    Evaluator::new(&pack, &params, chrono::Utc::now()).context("compiling the policy pack")?;
    drop(source_cmd::open(&args.db)?);
    let connector = palisade_collect::aws::AwsConnector::from_environment().await;

    let (stop_tx, stop_rx) = watch::channel(false);
    let scanner =
        AwsScanner { connector, db: args.db.clone(), pack: Arc::new(pack), params, per_account: args.concurrency };
    let opts = SchedulerOptions { tick: args.tick, jitter: args.jitter, max_accounts: args.max_accounts };
    let scheduler = Scheduler::new(args.db.clone(), opts, Arc::new(SystemClock), Arc::new(scanner), stop_rx.clone());
    let components: Vec<Component> = vec![("scheduler", Box::pin(async move { Ok(scheduler.run().await?) }))];
    // The HTTP API and the event consumer join here, each with its own clone of `stop_rx`.

    let mut running = JoinSet::new();
    for (name, component) in components {
        running.spawn(async move { (name, component.await) });
    }
    tracing::info!(db = %args.db.display(), tick = ?args.tick, jitter = ?args.jitter, "palisade serve started");
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

    #[test]
    fn parses_serve_flags() {
        let cli =
            Cli::try_parse_from(["palisade", "serve", "--db", "x.db", "--tick", "1s", "--max-accounts", "2"]).unwrap();
        let Command::Serve(a) = cli.command else { panic!("not serve") };
        assert_eq!(
            (a.db, a.tick, a.jitter, a.max_accounts),
            ("x.db".into(), Duration::from_secs(1), Duration::from_secs(1800), 2)
        );
        assert!(Cli::try_parse_from(["palisade", "serve", "--tick", "0s"]).is_err());
    }
}
