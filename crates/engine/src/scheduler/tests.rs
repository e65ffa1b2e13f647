//! The scheduler's tests: the pure next-run computation, then the scheduler itself over a real
//! store with a fake clock and a fake scanner, restarted as a process would be.

use super::*;
use chrono::TimeZone;
use palisade_model::{AccountId, Region};
use palisade_store::ScanStatus;
use std::sync::Mutex;

/// 2030-01-`day` `h`:`m` UTC.
fn t(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, day, h, m, 0).unwrap()
}

const MINUTE: Duration = Duration::from_secs(60);

fn check(schedule: &str, after: DateTime<Utc>, expected: DateTime<Utc>) {
    let got = Schedule::parse(schedule).unwrap().next_after(after, chrono::Duration::zero()).unwrap();
    assert_eq!(got, expected, "{schedule} after {after}");
}

#[test]
fn next_run_is_the_first_occurrence_strictly_after() {
    check("@daily", t(1, 10, 0), t(2, 0, 0));
    check("@daily", t(2, 0, 0), t(3, 0, 0));
    check("@hourly", t(1, 10, 0), t(1, 11, 0));
    check("@hourly", t(1, 10, 0) + chrono::Duration::milliseconds(1), t(1, 11, 0));
    check("30 2 * * *", t(1, 1, 0), t(1, 2, 30));
    check("0 */6 * * *", t(1, 6, 1), t(1, 12, 0));
    // 2030-01-07 is a Monday.
    check("0 9 * * MON", t(1, 0, 0), t(7, 9, 0));
    // Runs missed for days collapse into the one after now.
    check("@daily", t(5, 13, 0), t(6, 0, 0));
}

#[test]
fn jitter_shifts_every_run_by_the_same_offset_within_the_window() {
    let window = 30 * MINUTE;
    let offset = jitter_offset("prod-main", window);
    assert_eq!(offset, jitter_offset("prod-main", window), "deterministic");
    let daily = Schedule::parse("@daily").unwrap();
    assert_eq!(daily.next_after(t(1, 10, 0), offset).unwrap(), t(2, 0, 0) + offset);
    // Just before today's run (midnight plus the offset): it is today's, not tomorrow's.
    assert_eq!(daily.next_after(t(2, 0, 0), offset).unwrap(), t(2, 0, 0) + offset);
    let offsets: HashSet<i64> = (0..200).map(|i| jitter_offset(&format!("acct-{i}"), window).num_seconds()).collect();
    assert!(offsets.iter().all(|o| (0..1800).contains(o)), "{offsets:?}");
    assert!(offsets.len() > 150, "names spread over the window: {} distinct offsets", offsets.len());
    assert_eq!(jitter_offset("prod-main", Duration::ZERO), chrono::Duration::zero());
}

#[test]
fn rejects_unusable_schedules() {
    for bad in ["every day", "* * * * * *", "61 * * * *", "0 0 31 2 *", ""] {
        let parsed = Schedule::parse(bad).and_then(|s| s.next_after(t(1, 0, 0), chrono::Duration::zero()));
        assert!(parsed.is_err(), "{bad:?} must be rejected");
    }
    assert!(matches!(Schedule::parse("* * * * * *"), Err(ScheduleError::Invalid { .. })));
}

struct FakeClock(Mutex<DateTime<Utc>>);

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[derive(Clone, Copy)]
enum Behaviour {
    Complete,
    Fail,
    /// Runs until cancelled, then rolls back.
    UntilCancelled,
    /// Runs until the process "dies" (the scheduler is dropped).
    Forever,
    /// Runs until the test opens the scanner's gate, then completes.
    Gated,
}

/// Records every scan with the fake time it started, and writes the scan record a real scan
/// would, so start-up recovery reads real rows.
struct FakeScanner {
    db: PathBuf,
    clock: Arc<FakeClock>,
    behaviour: Mutex<HashMap<String, Behaviour>>,
    scans: Mutex<Vec<(String, DateTime<Utc>)>>,
    gate: watch::Sender<bool>,
}

impl SourceScanner for FakeScanner {
    fn scan(&self, source: Source, mut cancel: watch::Receiver<bool>) -> BoxFuture<'static, ScanResult> {
        self.scans.lock().unwrap().push((source.name.clone(), self.clock.now()));
        let behaviour = self.behaviour.lock().unwrap().get(&source.name).copied().unwrap_or(Behaviour::Complete);
        let (db, mut gate) = (self.db.clone(), self.gate.subscribe());
        Box::pin(async move {
            let mut store = SqliteStore::open(&db)?;
            let id = store.begin_scan(&source.name, &source.account_id, &source.regions)?;
            if let Behaviour::Gated = behaviour {
                let _ = gate.wait_for(|open| *open).await;
            }
            match behaviour {
                Behaviour::Complete | Behaviour::Gated => {
                    let summary = store.scan_writer(id).commit(&source.account_id, &[])?.summary;
                    let account_id = source.account_id.to_string();
                    Ok(ScanOutcome {
                        scan_id: id,
                        account_id,
                        regions: vec![],
                        summary,
                        errors: vec![],
                        events: vec![],
                    })
                }
                Behaviour::Fail => {
                    store.end_scan_without_results(id, ScanStatus::Failed)?;
                    Err(EngineError::Writer("the fake scan failed".into()))
                }
                Behaviour::UntilCancelled => {
                    let _ = cancel.wait_for(|c| *c).await;
                    store.end_scan_without_results(id, ScanStatus::Interrupted)?;
                    Err(EngineError::Interrupted)
                }
                Behaviour::Forever => std::future::pending().await,
            }
        })
    }
}

/// A store, a fake clock and a fake scanner; schedulers over them come and go, as processes do.
struct Harness {
    _dir: tempfile::TempDir,
    db: PathBuf,
    clock: Arc<FakeClock>,
    scanner: Arc<FakeScanner>,
    cancel: watch::Sender<bool>,
    opts: SchedulerOptions,
}

fn harness(start: DateTime<Utc>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    SqliteStore::open(&db).unwrap();
    let clock = Arc::new(FakeClock(Mutex::new(start)));
    let scanner = Arc::new(FakeScanner {
        db: db.clone(),
        clock: clock.clone(),
        behaviour: Mutex::default(),
        scans: Mutex::default(),
        gate: watch::channel(false).0,
    });
    let opts = SchedulerOptions { tick: MINUTE, jitter: 30 * MINUTE, max_accounts: 8 };
    Harness { _dir: dir, db, clock, scanner, cancel: watch::channel(false).0, opts }
}

impl Harness {
    fn add(&self, name: &str, schedule: &str, enabled: bool) {
        let n = self.store().sources().unwrap().len() as u64;
        let source = Source {
            name: name.into(),
            account_id: AccountId::new(format!("{:012}", 200_000_000_000 + n)).unwrap(),
            label: "Prod".into(),
            role_arn: None,
            external_id: None,
            regions: vec![Region::new("us-east-1").unwrap()],
            realtime: false,
            remediation: false,
            enabled,
            schedule: schedule.into(),
            next_run_at: None,
            created_at: self.clock.now(),
        };
        self.store().add_source(&source).unwrap().unwrap();
    }

    fn behave(&self, name: &str, behaviour: Behaviour) {
        self.scanner.behaviour.lock().unwrap().insert(name.into(), behaviour);
    }

    fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.db).unwrap()
    }

    fn next_run_at(&self, name: &str) -> Option<DateTime<Utc>> {
        self.store().source(name).unwrap().unwrap().next_run_at
    }

    /// A new scheduler over the same store, as a restarted process would have.
    fn scheduler(&mut self) -> Scheduler {
        self.cancel = watch::channel(false).0;
        let (clock, scanner) = (self.clock.clone() as Arc<dyn Clock>, self.scanner.clone() as Arc<dyn SourceScanner>);
        Scheduler::new(self.db.clone(), self.opts.clone(), clock, scanner, self.cancel.subscribe())
    }

    fn set_time(&self, at: DateTime<Utc>) {
        *self.clock.0.lock().unwrap() = at;
    }

    /// Ticks every `step` from now until `end`, letting each tick's scans finish.
    async fn run_until(&self, s: &mut Scheduler, end: DateTime<Utc>, step: Duration) {
        while self.clock.now() < end {
            s.tick().await.unwrap();
            while s.next_finished().await.is_some() {}
            self.set_time(self.clock.now() + chrono::Duration::from_std(step).unwrap());
        }
    }

    /// The fake times `name` was scanned at.
    fn scans_of(&self, name: &str) -> Vec<DateTime<Utc>> {
        self.scanner.scans.lock().unwrap().iter().filter(|(n, _)| n == name).map(|(_, at)| *at).collect()
    }
}

#[tokio::test]
async fn a_new_source_gets_its_baseline_scan_at_the_first_tick() {
    let mut h = harness(t(1, 14, 7));
    let mut s = h.scheduler();
    assert_eq!(s.tick().await.unwrap(), Vec::<String>::new());
    h.add("new", "@daily", true);
    assert_eq!(s.tick().await.unwrap(), vec!["new"]);
    let finished = s.next_finished().await.unwrap();
    assert!(matches!(finished.result, Some(Ok(_))), "{finished:?}");
    assert_eq!(h.scans_of("new"), vec![t(1, 14, 7)]);
    // The next run is tomorrow's, on the schedule's grid plus the source's jitter.
    assert_eq!(h.next_run_at("new"), Some(t(2, 0, 0) + jitter_offset("new", h.opts.jitter)));
    assert_eq!(s.tick().await.unwrap(), Vec::<String>::new(), "not again the same day");
}

#[tokio::test]
async fn scans_daily_at_midnight_plus_each_sources_jitter() {
    let mut h = harness(t(1, 9, 0));
    let names: Vec<String> = (0..6).map(|i| format!("acct-{i}")).collect();
    for name in &names {
        h.add(name, "@daily", true);
    }
    let mut s = h.scheduler();
    h.run_until(&mut s, t(4, 9, 0), 5 * MINUTE).await;
    let mut offsets = HashSet::new();
    for name in &names {
        let scans = h.scans_of(name);
        assert_eq!(scans.len(), 4, "{name}: the baseline, then one a day: {scans:?}");
        let offset = jitter_offset(name, h.opts.jitter);
        for (day, at) in (2..=4).zip(&scans[1..]) {
            let run = t(day, 0, 0) + offset;
            // Ticks fall every five minutes: the scan starts at the first one at or after its run.
            assert!(*at >= run && *at - run < chrono::Duration::minutes(5), "{name} on day {day}: {at}, run {run}");
            assert!(run - t(day, 0, 0) < chrono::Duration::minutes(30), "{name}: within the jitter window");
        }
        offsets.insert(offset);
    }
    assert!(offsets.len() > 1, "the sources do not all start at once: {offsets:?}");
}

#[tokio::test]
async fn a_restart_after_missed_runs_scans_once() {
    let mut h = harness(t(1, 10, 0));
    h.add("a", "@daily", true);
    let mut s = h.scheduler();
    h.run_until(&mut s, t(1, 10, 30), MINUTE).await;
    drop(s);
    // Down for three midnights.
    h.set_time(t(4, 12, 0));
    let mut s = h.scheduler();
    assert_eq!(s.recover().await.unwrap(), Vec::<String>::new(), "its last scan completed");
    h.run_until(&mut s, t(4, 23, 0), MINUTE).await;
    assert_eq!(h.scans_of("a"), vec![t(1, 10, 0), t(4, 12, 0)]);
    assert_eq!(h.next_run_at("a"), Some(t(5, 0, 0) + jitter_offset("a", h.opts.jitter)));
    // And a restart with nothing missed scans nothing.
    let mut s = h.scheduler();
    s.recover().await.unwrap();
    h.run_until(&mut s, t(4, 23, 50), MINUTE).await;
    assert_eq!(h.scans_of("a").len(), 2);
}

#[tokio::test]
async fn a_disabled_source_is_never_scanned() {
    let mut h = harness(t(1, 10, 0));
    h.add("off", "@daily", false);
    h.add("on", "@hourly", true);
    let mut s = h.scheduler();
    h.run_until(&mut s, t(3, 10, 0), 5 * MINUTE).await;
    assert_eq!(h.scans_of("off"), Vec::<DateTime<Utc>>::new());
    assert_eq!(h.scans_of("on").len(), 1 + 48);
    assert_eq!(h.next_run_at("off"), None);
}

#[tokio::test]
async fn a_failed_scan_waits_for_its_next_run() {
    let mut h = harness(t(1, 10, 0));
    h.add("broken", "@daily", true);
    h.behave("broken", Behaviour::Fail);
    let mut s = h.scheduler();
    s.tick().await.unwrap();
    let finished = s.next_finished().await.unwrap();
    assert!(matches!(finished.result, Some(Err(EngineError::Writer(_)))) && !finished.released);
    h.run_until(&mut s, t(3, 10, 0), MINUTE).await;
    assert_eq!(h.scans_of("broken").len(), 3, "the baseline, then once a day: {:?}", h.scans_of("broken"));
    // A restart does not retry it either: a failed scan landed.
    let mut s = h.scheduler();
    assert_eq!(s.recover().await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn a_crash_mid_scan_or_before_a_baseline_is_scanned_at_the_next_start() {
    let mut h = harness(t(1, 10, 0));
    for name in ["cut", "done", "never-began"] {
        h.add(name, "@daily", true);
    }
    // The process claims "never-began", then dies before its scan records anything.
    h.store().claim_due_sources(t(1, 10, 0), 8, |s| (s.name == "never-began").then(|| t(2, 0, 0))).unwrap();
    h.behave("cut", Behaviour::Forever);
    let mut s = h.scheduler();
    assert_eq!(s.tick().await.unwrap(), vec!["cut", "done"]);
    assert_eq!(s.next_finished().await.unwrap().source, "done");
    drop(s); // the process dies with "cut" mid-scan
    h.behave("cut", Behaviour::Complete);
    let mut s = h.scheduler();
    assert_eq!(s.recover().await.unwrap(), vec!["cut", "never-began"]);
    h.run_until(&mut s, t(1, 12, 0), MINUTE).await;
    assert_eq!((h.scans_of("cut").len(), h.scans_of("done").len(), h.scans_of("never-began").len()), (2, 1, 1));
    assert_eq!(h.next_run_at("cut"), Some(t(2, 0, 0) + jitter_offset("cut", h.opts.jitter)));
}

#[tokio::test]
async fn a_scan_interrupted_by_a_shutdown_gives_its_claim_back() {
    let mut h = harness(t(1, 10, 0));
    h.add("a", "@daily", true);
    h.behave("a", Behaviour::UntilCancelled);
    let mut s = h.scheduler();
    s.tick().await.unwrap();
    assert!(h.next_run_at("a").is_some(), "claimed before the scan started");
    h.cancel.send(true).unwrap();
    let finished = s.next_finished().await.unwrap();
    assert!(matches!(finished.result, Some(Err(EngineError::Interrupted))) && finished.released, "{finished:?}");
    assert_eq!(h.next_run_at("a"), None, "due again: its baseline scan never happened");
    assert_eq!(s.tick().await.unwrap(), Vec::<String>::new(), "a stopping scheduler claims nothing");
    h.behave("a", Behaviour::Complete);
    let mut s = h.scheduler();
    s.recover().await.unwrap();
    h.run_until(&mut s, t(1, 11, 0), MINUTE).await;
    assert_eq!(h.scans_of("a"), vec![t(1, 10, 0), t(1, 10, 0)]);
}

#[tokio::test]
async fn scans_at_most_max_accounts_at_once_and_never_one_source_twice() {
    let mut h = harness(t(1, 10, 0));
    h.opts.max_accounts = 2;
    for name in ["a", "b", "c"] {
        h.add(name, "@hourly", true);
        h.behave(name, Behaviour::Gated);
    }
    let mut s = h.scheduler();
    assert_eq!(s.tick().await.unwrap(), vec!["a", "b"]);
    assert_eq!(s.tick().await.unwrap(), Vec::<String>::new(), "no free slot: c waits, due, in the store");
    assert_eq!(h.next_run_at("c"), None);
    // Their next runs come while they still scan: neither is started again beside itself.
    h.set_time(t(1, 12, 0));
    h.behave("c", Behaviour::Complete);
    h.scanner.gate.send(true).unwrap();
    assert_eq!(s.tick().await.unwrap(), Vec::<String>::new());
    while s.next_finished().await.is_some() {}
    // Then the baseline first, then the overdue runs, once each.
    let mut started = s.tick().await.unwrap();
    assert_eq!(started[0], "c");
    while s.next_finished().await.is_some() {}
    started.extend(s.tick().await.unwrap());
    while s.next_finished().await.is_some() {}
    started.sort();
    assert_eq!(started, vec!["a", "b", "c"]);
    assert_eq!(s.tick().await.unwrap(), Vec::<String>::new());
}

#[tokio::test]
async fn a_broken_schedule_is_skipped_and_the_others_run() {
    let mut h = harness(t(1, 10, 0));
    h.add("typo", "every day", true);
    h.add("good", "@daily", true);
    let mut s = h.scheduler();
    h.run_until(&mut s, t(1, 11, 0), MINUTE).await;
    assert_eq!((h.scans_of("typo").len(), h.scans_of("good").len()), (0, 1));
    assert_eq!(s.reported.len(), 1, "named once, not at every tick");
}

#[tokio::test]
async fn run_scans_until_cancelled_then_stops() {
    let mut h = harness(t(1, 10, 0));
    h.opts.tick = Duration::from_millis(10);
    h.add("a", "@daily", true);
    let s = h.scheduler();
    let task = tokio::spawn(s.run());
    for _ in 0..500 {
        if !h.scans_of("a").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    h.add("b", "@daily", true);
    for _ in 0..500 {
        if !h.scans_of("b").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    h.cancel.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task).await.unwrap().unwrap().unwrap();
    assert_eq!((h.scans_of("a").len(), h.scans_of("b").len()), (1, 1));
}

#[test]
fn scans_leave_out_the_policies_disabled_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("p.db")).unwrap();
    let pack = Pack::builtin().unwrap();
    let policy = "AWS.S3.Bucket.Encryption";
    assert!(pack.policies.iter().any(|p| p.metadata.id.as_str() == policy));
    let ids = |e: &Evaluator| e.policies_for("AWS.S3.Bucket").map(|m| m.id.to_string()).collect::<Vec<_>>();

    let none = store.disabled_policies().unwrap();
    assert!(matches!(enabled_pack(&pack, &none), Cow::Borrowed(_)), "nothing disabled: the pack as it is");

    store.disable_policy(policy).unwrap();
    let disabled = store.disabled_policies().unwrap();
    let enabled = enabled_pack(&pack, &disabled);
    assert_eq!(enabled.policies.len(), pack.policies.len() - 1);
    let evaluator = Evaluator::new(&enabled, &Params::new(), Utc::now()).unwrap();
    let bucket_policies = ids(&evaluator);
    assert!(!bucket_policies.contains(&policy.to_string()), "{bucket_policies:?}");
    assert!(!bucket_policies.is_empty(), "the other bucket policies still run");

    store.enable_policy(policy).unwrap();
    let evaluator =
        Evaluator::new(&enabled_pack(&pack, &store.disabled_policies().unwrap()), &Params::new(), Utc::now()).unwrap();
    assert!(ids(&evaluator).contains(&policy.to_string()));
}
