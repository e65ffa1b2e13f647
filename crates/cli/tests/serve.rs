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
        let log = dir.join("serve.log");
        let child = palisade()
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", endpoint())
            .env_remove("RUST_LOG")
            .args(["serve", "--tick", "1s", "--db"])
            .arg(db)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start palisade serve");
        Self { child, log }
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
