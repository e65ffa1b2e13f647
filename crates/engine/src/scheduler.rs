//! The scheduler: a baseline scan of every source as soon as it is added, then one scan per
//! source at each run of its schedule (a cron expression in UTC, shifted by a fixed per-source
//! jitter), with the next run kept in the store so that a restart neither skips nor doubles a scan.
//!
//! # The rule
//!
//! 1. A source's *runs* are the occurrences of its cron schedule, each shifted by the source's
//!    jitter: a fixed offset in `[0, window)` hashed from its name, so a thousand daily sources do
//!    not all start at midnight, and each always starts at the same minute. `next_run_at` holds
//!    the next run; unset means never scheduled (just added, or its schedule was changed).
//! 2. A source is *due* when it is enabled and its `next_run_at` is unset or not after now.
//! 3. **Claim, then scan.** In one `IMMEDIATE` transaction a due source's `next_run_at` becomes its
//!    first run strictly after now ([`SqliteStore::claim_due_sources`]); only then does its scan
//!    start. Claiming is the only step that moves `next_run_at` forward, so a run is claimed (and
//!    scanned) at most once; the next run stays on the schedule's grid however long the scan takes
//!    or however late the tick was; and runs missed while nothing was running (the server was
//!    down) collapse into one scan, not one per missed run.
//! 4. A scan that completes or fails keeps its claim: a failed scan is tried again at the source's
//!    next run, never in a loop.
//! 5. A scan cut short by a shutdown (rolled back), or that never began because of one, gives its
//!    claim back: `next_run_at` returns to its value before the claim, if it still holds the
//!    claimed value (a schedule changed meanwhile wins), so the next start runs it once.
//! 6. A crash cannot give its claims back. So a scheduler starting up, before its first claim,
//!    makes due every claimed source whose scan never landed: its latest scan is still `running`
//!    or was `interrupted`, or it has no scan at all ([`SqliteStore::recover_cut_off_claims`]).
//! 7. A source is never scanned twice at once: one whose next run comes while its scan still runs
//!    is left due until that scan ends, then claimed once (rule 3).
//!
//! Two limits follow. A crash in the seconds between a claim and the scan's own start record
//! (assuming the source's role, discovering its regions) of a source scanned before loses that
//! one run: the source is scanned at its next run. And one `serve` per store: a second one never
//! doubles a scheduled scan (claims are transactional), but its start-up recovery could repeat a
//! scan the first one has in flight.
//!
//! Time is injected ([`Clock`]) and so is scanning ([`SourceScanner`]), so all of this is tested
//! with a fake clock and a fake scanner; [`AwsScanner`] is the real one, over [`scan_sources`].

use crate::scan::ScanOutcome;
use crate::sources::{scan_sources, MultiScanOptions};
use crate::EngineError;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use palisade_collect::aws::AwsConnector;
use palisade_model::Source;
use palisade_policy::{Evaluator, Pack, Params};
use palisade_store::{SqliteStore, StoreError};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinSet};

/// Why a schedule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "invalid schedule {schedule:?}: {message} (use five cron fields in UTC, or @hourly, @daily, @weekly, @monthly)"
    )]
    Invalid { schedule: String, message: String },
    #[error("schedule {schedule:?} has no run after {after}")]
    NoRunAfter { schedule: String, after: DateTime<Utc> },
}

/// A parsed schedule: a standard five-field cron expression (minute, hour, day of month, month,
/// day of week), evaluated in UTC, or one of the `@hourly`, `@daily`, `@weekly`, `@monthly`,
/// `@yearly` aliases.
#[derive(Debug, Clone)]
pub struct Schedule {
    expr: String,
    cron: croner::Cron,
}

impl Schedule {
    pub fn parse(expr: &str) -> Result<Self, ScheduleError> {
        // Five fields only: a seconds field would let one schedule ask for a scan every second.
        let parser = croner::parser::CronParser::builder().seconds(croner::parser::Seconds::Disallowed).build();
        let cron = parser
            .parse(expr)
            .map_err(|e| ScheduleError::Invalid { schedule: expr.to_string(), message: e.to_string() })?;
        Ok(Self { expr: expr.to_string(), cron })
    }

    /// The first run strictly after `after`, the schedule's occurrences being shifted by `offset`.
    pub fn next_after(&self, after: DateTime<Utc>, offset: chrono::Duration) -> Result<DateTime<Utc>, ScheduleError> {
        let no_run = || ScheduleError::NoRunAfter { schedule: self.expr.clone(), after };
        // Runs are occurrence + offset, so the first run after `after` is the first occurrence
        // after `after - offset`, shifted.
        let shifted = after.checked_sub_signed(offset).ok_or_else(no_run)?;
        let occurrence = self.cron.find_next_occurrence(&shifted, false).map_err(|_| no_run())?;
        occurrence.checked_add_signed(offset).ok_or_else(no_run)
    }
}

/// A source's jitter: a fixed offset in `[0, window)`, whole seconds, from a hash of its name.
/// FNV-1a rather than std's hasher, whose output may change between Rust releases: the offset must
/// stay the same across upgrades, or a restart would move every source's run.
pub fn jitter_offset(name: &str, window: Duration) -> chrono::Duration {
    let window = window.as_secs();
    if window == 0 {
        return chrono::Duration::zero();
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    chrono::Duration::seconds((hash % window) as i64)
}

/// The first run of `source` strictly after `after`, with its jitter within `window`.
pub fn next_run(source: &Source, window: Duration, after: DateTime<Utc>) -> Result<DateTime<Utc>, ScheduleError> {
    Schedule::parse(&source.schedule)?.next_after(after, jitter_offset(&source.name, window))
}

/// The time, injected so that tests run days of schedule in microseconds.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Scans one source; injected so the scheduler is tested without a cloud. When `cancel` turns
/// true the scan must roll back and return [`EngineError::Interrupted`].
pub trait SourceScanner: Send + Sync + 'static {
    fn scan(&self, source: Source, cancel: watch::Receiver<bool>) -> BoxFuture<'static, ScanResult>;
}

/// The real scanner: [`scan_sources`] over one source, through its role, into the store.
pub struct AwsScanner {
    pub connector: AwsConnector,
    pub db: PathBuf,
    pub pack: Arc<Pack>,
    pub params: Params,
    /// Collector tasks at once within one account.
    pub per_account: usize,
    /// Told of the findings each completed scan opened or resolved.
    pub alerts: Arc<dyn crate::AlertSink>,
}

impl SourceScanner for AwsScanner {
    fn scan(&self, source: Source, cancel: watch::Receiver<bool>) -> BoxFuture<'static, ScanResult> {
        let (connector, db, pack, params) =
            (self.connector.clone(), self.db.clone(), self.pack.clone(), self.params.clone());
        let (per_account, alerts) = (self.per_account, self.alerts.clone());
        Box::pin(async move {
            // A fresh evaluator per scan: its clock (`data.palisade.now_ns`, which key-age policies
            // read) must be the scan's time, not the server's start; and the policies disabled
            // since the last scan are left out.
            let disabled = with_store(db.clone(), |store| store.disabled_policies()).await?;
            let evaluator = Evaluator::new(&enabled_pack(&pack, &disabled), &params, Utc::now())?;
            let opts = MultiScanOptions { accounts: 1, per_account, overall: per_account };
            let quiet = Arc::new(|_| {});
            let name = source.name.clone();
            let mut scans = scan_sources(&connector, vec![source], db, evaluator, opts, quiet, cancel).await;
            // No result only when its task was cancelled, i.e. the runtime is shutting down.
            let result = scans.pop().map_or(Err(EngineError::Interrupted), |s| s.result);
            if let Ok(outcome) = &result {
                if !outcome.events.is_empty() {
                    alerts.notify(&name, &outcome.events);
                }
            }
            result
        })
    }
}

/// `pack` without the policies disabled in the store (`disabled`, by id): what a scan evaluates.
pub fn enabled_pack<'a, V>(pack: &'a Pack, disabled: &std::collections::BTreeMap<String, V>) -> Cow<'a, Pack> {
    if !pack.policies.iter().any(|p| disabled.contains_key(p.metadata.id.as_str())) {
        return Cow::Borrowed(pack);
    }
    let mut enabled = pack.clone();
    enabled.policies.retain(|p| !disabled.contains_key(p.metadata.id.as_str()));
    Cow::Owned(enabled)
}

/// How the scheduler runs.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// How often due sources are looked for (a source added is scanned within one tick).
    pub tick: Duration,
    /// Each source's runs are shifted by a fixed offset within this window.
    pub jitter: Duration,
    /// Sources scanned at once; more due sources wait, due, in the store.
    pub max_accounts: usize,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        Self { tick: Duration::from_secs(30), jitter: Duration::from_secs(30 * 60), max_accounts: 8 }
    }
}

/// A claimed scan, while it runs.
struct Claim {
    /// Carries the claimed `next_run_at`.
    source: Source,
    /// `next_run_at` before the claim: the run this scan is for (`None`: the baseline scan).
    previous: Option<DateTime<Utc>>,
}

/// How one scheduled scan ended.
#[derive(Debug)]
pub struct Finished {
    pub source: String,
    /// `None` when the scan task itself panicked (logged; the claim stands).
    pub result: Option<ScanResult>,
    /// Whether its claim was given back (it was interrupted), so it is due again.
    pub released: bool,
}

/// Runs scans when they are due; see the module documentation for the rule it keeps.
pub struct Scheduler {
    db: PathBuf,
    opts: SchedulerOptions,
    clock: Arc<dyn Clock>,
    scanner: Arc<dyn SourceScanner>,
    cancel: watch::Receiver<bool>,
    running: JoinSet<ScanResult>,
    claims: HashMap<tokio::task::Id, Claim>,
    /// Bad schedules already reported, so a broken source is named once, not every tick.
    reported: HashSet<(String, String)>,
}

impl Scheduler {
    /// A scheduler over the store at `db`. It stops claiming when `cancel` turns true, and the
    /// scans it runs roll back.
    pub fn new(
        db: PathBuf,
        opts: SchedulerOptions,
        clock: Arc<dyn Clock>,
        scanner: Arc<dyn SourceScanner>,
        cancel: watch::Receiver<bool>,
    ) -> Self {
        Self {
            db,
            opts,
            clock,
            scanner,
            cancel,
            running: JoinSet::new(),
            claims: HashMap::new(),
            reported: HashSet::new(),
        }
    }

    /// Scans running now.
    pub fn running(&self) -> usize {
        self.claims.len()
    }

    /// Rule 6: makes due the claimed sources whose scan never landed. Call once, before the first
    /// [`Self::tick`], while no scan of this process runs.
    pub async fn recover(&mut self) -> Result<Vec<String>, EngineError> {
        let now = self.clock.now();
        let names = with_store(self.db.clone(), move |s| s.recover_cut_off_claims(now)).await?;
        for name in &names {
            tracing::info!(source = %name, "the last scheduled scan of this source never finished; it is due now");
        }
        Ok(names)
    }

    /// Claims the due sources (as many as there are free slots) and starts their scans. Returns
    /// the names of the sources started.
    pub async fn tick(&mut self) -> Result<Vec<String>, EngineError> {
        let free = self.opts.max_accounts.max(1).saturating_sub(self.claims.len());
        if *self.cancel.borrow() || free == 0 {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let window = self.opts.jitter;
        let busy: HashSet<String> = self.claims.values().map(|c| c.source.name.clone()).collect();
        let (claimed, bad) = with_store(self.db.clone(), move |store| {
            let mut bad = Vec::new();
            let claimed = store.claim_due_sources(now, free, |source| {
                if busy.contains(&source.name) {
                    return None;
                }
                next_run(source, window, now)
                    .map_err(|e| bad.push((source.name.clone(), source.schedule.clone(), e)))
                    .ok()
            })?;
            Ok((claimed, bad))
        })
        .await?;
        for (name, schedule, error) in bad {
            if self.reported.insert((name.clone(), schedule)) {
                tracing::error!(source = %name, %error, "source not scheduled; fix it with `palisade source update --schedule`");
            }
        }
        let mut started = Vec::with_capacity(claimed.len());
        for (source, previous) in claimed {
            tracing::info!(
                source = %source.name,
                account = %source.account_id,
                kind = if previous.is_some() { "scheduled" } else { "baseline" },
                scheduled_for = previous.map(tracing::field::display),
                next_run_at = source.next_run_at.map(tracing::field::display),
                "scan started"
            );
            let scan = self.scanner.scan(source.clone(), self.cancel.clone());
            let id = self.running.spawn(scan).id();
            started.push(source.name.clone());
            self.claims.insert(id, Claim { source, previous });
        }
        Ok(started)
    }

    /// Waits for the next scan to end and settles its claim (rule 5); `None` if none runs.
    pub async fn next_finished(&mut self) -> Option<Finished> {
        let joined = self.running.join_next_with_id().await?;
        self.settle(joined).await
    }

    /// Logs how a scan ended and gives its claim back if it was interrupted. Kept apart from the
    /// join so that `run` can wait for a join among other events without ever dropping a
    /// half-settled scan.
    async fn settle(&mut self, joined: Result<(tokio::task::Id, ScanResult), JoinError>) -> Option<Finished> {
        let (id, result) = match joined {
            Ok((id, result)) => (id, Some(result)),
            Err(e) => (e.id(), panicked(&e)),
        };
        let claim = self.claims.remove(&id)?;
        let name = claim.source.name.clone();
        let next_run_at = claim.source.next_run_at.map(tracing::field::display);
        let mut released = false;
        match &result {
            Some(Ok(o)) => tracing::info!(
                source = %name,
                status = "completed",
                resources = o.summary.resources,
                failing = o.summary.failing,
                scan_errors = o.summary.errors,
                next_run_at,
                "scan finished"
            ),
            Some(Err(EngineError::Interrupted)) => {
                released = self.release(&claim).await;
                tracing::info!(source = %name, status = "interrupted", released, "scan finished; it was rolled back");
            }
            Some(Err(error)) => tracing::warn!(
                source = %name,
                status = "failed",
                error = %error,
                next_run_at,
                "scan finished; it is tried again at its next run"
            ),
            None => {
                tracing::error!(source = %name, status = "failed", next_run_at, "scan panicked")
            }
        }
        Some(Finished { source: name, result, released })
    }

    async fn release(&self, claim: &Claim) -> bool {
        let Some(claimed) = claim.source.next_run_at else { return false };
        let (name, previous) = (claim.source.name.clone(), claim.previous);
        match with_store(self.db.clone(), move |s| s.release_claim(&name, claimed, previous)).await {
            Ok(released) => released,
            Err(error) => {
                // Rule 6 still catches it at the next start, from the interrupted scan's record.
                tracing::warn!(source = %claim.source.name, %error, "could not give back the claim of an interrupted scan");
                false
            }
        }
    }

    /// Recovers (rule 6), then claims and scans every `tick` (and as soon as a slot frees) until
    /// `cancel` turns true; then waits for the running scans, which roll back, to end.
    pub async fn run(mut self) -> Result<(), EngineError> {
        self.recover().await?;
        let mut cancel = self.cancel.clone();
        let tick = self.opts.tick;
        loop {
            if let Err(error) = self.tick().await {
                // A busy or briefly unavailable store: the due sources stay due for the next tick.
                tracing::warn!(%error, "scheduler tick failed; trying again at the next tick");
            }
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                // A slot freed: settle it, then claim at once rather than at the next tick.
                Some(joined) = self.running.join_next_with_id() => {
                    self.settle(joined).await;
                }
                () = stopped(&mut cancel) => break,
            }
        }
        tracing::info!(running = self.running(), "scheduler stopping; running scans are rolled back");
        while self.next_finished().await.is_some() {}
        Ok(())
    }
}

/// Completes when `cancel` turns true, or when its sender is gone (whoever could stop us has).
async fn stopped(cancel: &mut watch::Receiver<bool>) {
    let _ = cancel.wait_for(|c| *c).await;
}

/// What a scan of one source returns.
pub type ScanResult = Result<ScanOutcome, EngineError>;

/// A scan task that did not return: aborted (only at runtime shutdown: as interrupted) or panicked.
fn panicked(e: &JoinError) -> Option<ScanResult> {
    if e.is_cancelled() {
        Some(Err(EngineError::Interrupted))
    } else {
        None
    }
}

/// Runs a store operation off the async threads: a claim may wait for a scan's publishing
/// transaction to finish.
async fn with_store<T: Send + 'static>(
    db: PathBuf,
    op: impl FnOnce(&mut SqliteStore) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(move || {
        let mut store = SqliteStore::open(&db)?;
        Ok(op(&mut store)?)
    })
    .await
    .map_err(|e| EngineError::Writer(format!("store task: {e}")))?
}

#[cfg(test)]
mod tests;
