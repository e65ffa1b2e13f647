//! One account scan, end to end.

use crate::EngineError;
use palisade_collect::aws::{enabled_regions, AwsContext, AwsService, Scope};
use palisade_collect::{CollectError, Collected, Emitter};
use palisade_model::{FindingStatus, Region, ScanError};
use palisade_policy::Evaluator;
use palisade_store::{FindingChange, NewFinding, ScanSummary, SqliteStore};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinSet;

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Regions to scan; `None` means every region enabled for the account.
    pub regions: Option<Vec<Region>>,
    /// Collector tasks (one service in one region) running at once.
    pub concurrency: usize,
    /// A limit shared with other scans running at the same time, if any.
    pub overall: Option<Arc<Semaphore>>,
    pub services: Vec<AwsService>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self { regions: None, concurrency: 8, overall: None, services: AwsService::ALL.to_vec() }
    }
}

/// What a progress display hears about.
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    Planned { tasks: usize, regions: usize },
    TaskFinished { service: &'static str, region: String },
    Resource,
}

/// A finding that started failing or stopped failing in this scan (what alerts are made of).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingEvent {
    pub change: FindingChangeKind,
    pub policy_id: String,
    pub resource_id: String,
    pub title: String,
    pub severity: palisade_model::Severity,
    pub resource_type: String,
    pub source: String,
    pub account_id: String,
    pub region: String,
    pub label: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingChangeKind {
    Opened,
    Resolved,
}

#[derive(Debug)]
pub struct ScanOutcome {
    pub scan_id: i64,
    pub account_id: String,
    pub regions: Vec<Region>,
    pub summary: ScanSummary,
    pub errors: Vec<ScanError>,
    pub events: Vec<FindingEvent>,
}

/// A `(resource type, region)` whose listing completed without any error, so a resource in it
/// that this scan did not see is really gone.
type CoveredScope = (String, String);

/// Scans one account into the store at `db`. Collectors run concurrently (bounded by
/// `opts.concurrency`); everything they produce goes through one writer thread that upserts,
/// evaluates and records findings inside one transaction, committed only when every collector has
/// finished. If `cancel` completes first, the transaction is rolled back and the scan is marked
/// interrupted: the previous results stay exactly as they were.
pub async fn scan_account(
    ctx: AwsContext,
    db: PathBuf,
    evaluator: Evaluator,
    opts: ScanOptions,
    progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,
    cancel: impl Future<Output = ()>,
) -> Result<ScanOutcome, EngineError> {
    let regions = match &opts.regions {
        Some(r) => r.clone(),
        None => enabled_regions(&ctx).await.map_err(|e| EngineError::Regions(Box::new(e)))?,
    };
    let ctx = Arc::new(ctx.with_regions(regions.clone()));
    let account = ctx.account_id().clone();

    let mut store = SqliteStore::open(&db)?;
    let scan_id = store.begin_scan(ctx.source(), &account, &regions)?;

    let (tx, rx) = mpsc::channel::<Collected>(1024);
    let (finish_tx, finish_rx) = oneshot::channel::<Vec<CoveredScope>>();
    let writer_progress = progress.clone();
    let writer_account = account.clone();
    let writer = std::thread::Builder::new()
        .name("palisade-writer".into())
        .spawn(move || write_scan(store, scan_id, evaluator, rx, finish_rx, writer_account, writer_progress))
        .map_err(|e| EngineError::Writer(e.to_string()))?;

    let tasks = plan(&opts.services, &regions, &ctx.default_region());
    progress(ProgressEvent::Planned { tasks: tasks.len(), regions: regions.len() });
    let covered = Arc::new(Mutex::new(Vec::<CoveredScope>::new()));
    let limit = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut set = JoinSet::new();
    for (service, region) in tasks {
        let (ctx, tx, covered, limit, progress) =
            (ctx.clone(), tx.clone(), covered.clone(), limit.clone(), progress.clone());
        let scan_regions = regions.clone();
        let overall = opts.overall.clone();
        set.spawn(async move {
            let Ok(_permit) = limit.acquire().await else { return };
            let _overall_permit = match &overall {
                Some(o) => match o.acquire().await {
                    Ok(p) => Some(p),
                    Err(_) => return,
                },
                None => None,
            };
            let emitter = Emitter::new(tx);
            let result = service.collect(&ctx, &region, &emitter).await;
            match result {
                Ok(()) if emitter.error_count() == 0 => {
                    let scopes = scopes_of(service, &region, &scan_regions);
                    covered.lock().expect("coverage lock").extend(scopes);
                }
                Ok(()) => {}
                Err(CollectError::Cancelled) => {}
                Err(e) => {
                    let _ = emitter.error(&e).await;
                }
            }
            progress(ProgressEvent::TaskFinished { service: service.name(), region: region.to_string() });
        });
    }
    drop(tx);

    let collectors = async {
        while let Some(joined) = set.join_next().await {
            if let Err(e) = joined {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
    };
    let finished = tokio::select! {
        () = collectors => true,
        () = cancel => false,
    };
    if finished {
        let scopes = std::mem::take(&mut *covered.lock().expect("coverage lock"));
        let _ = finish_tx.send(scopes);
    } else {
        set.abort_all();
        drop(finish_tx);
    }
    let written = tokio::task::spawn_blocking(move || writer.join())
        .await
        .map_err(|e| EngineError::Writer(e.to_string()))?
        .map_err(|_| EngineError::Writer("the writer thread panicked".into()))?;
    match written {
        Ok(Some((summary, errors, events))) => {
            Ok(ScanOutcome { scan_id, account_id: account.to_string(), regions, summary, errors, events })
        }
        Ok(None) => {
            let mut store = SqliteStore::open(&db)?;
            store.end_scan_without_results(scan_id, palisade_store::ScanStatus::Interrupted)?;
            Err(EngineError::Interrupted)
        }
        Err(e) => {
            if let Ok(mut store) = SqliteStore::open(&db) {
                let _ = store.end_scan_without_results(scan_id, palisade_store::ScanStatus::Failed);
            }
            Err(e)
        }
    }
}

/// One task per service and region for regional services, one per account for the others.
fn plan(services: &[AwsService], regions: &[Region], home: &Region) -> Vec<(AwsService, Region)> {
    let mut tasks = Vec::new();
    for &service in services {
        match service.spec().scope {
            Scope::Regional => tasks.extend(regions.iter().map(|r| (service, r.clone()))),
            Scope::Global => tasks.push((service, Region::global())),
            Scope::GlobalListingRegionalResources => tasks.push((service, home.clone())),
        }
    }
    tasks
}

/// The `(type, region)` scopes a successful collector run covered completely.
fn scopes_of(service: AwsService, region: &Region, scan_regions: &[Region]) -> Vec<CoveredScope> {
    let spec = service.spec();
    let regions: Vec<String> = match spec.scope {
        Scope::Regional => vec![region.to_string()],
        Scope::Global => vec![Region::GLOBAL.to_string()],
        Scope::GlobalListingRegionalResources => scan_regions.iter().map(|r| r.to_string()).collect(),
    };
    spec.resource_types.iter().flat_map(|t| regions.iter().map(move |r| (t.to_string(), r.clone()))).collect()
}

type Written = Option<(ScanSummary, Vec<ScanError>, Vec<FindingEvent>)>;

/// The writer thread: the only place that touches the store during a scan. Returns `None` when
/// the scan was cancelled (nothing is published; the staged rows are cleared by the caller).
fn write_scan(
    mut store: SqliteStore,
    scan_id: i64,
    mut evaluator: Evaluator,
    mut rx: mpsc::Receiver<Collected>,
    finish: oneshot::Receiver<Vec<CoveredScope>>,
    account: palisade_model::AccountId,
    progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,
) -> Result<Written, EngineError> {
    let mut writer = store.scan_writer(scan_id);
    let mut errors = Vec::new();
    while let Some(item) = rx.blocking_recv() {
        match item {
            Collected::Resource(resource) => {
                writer.stage_resource(&resource)?;
                tracing::debug!(resource = %resource.id, "stored resource");
                // Every resource is re-evaluated, changed or not: policies depend on time (key
                // age) and on the pack, which may have changed since the last scan.
                for verdict in evaluator.evaluate(&resource) {
                    let status = FindingStatus::from(verdict.status);
                    let meta = &verdict.policy;
                    writer.stage_finding(&NewFinding {
                        policy_id: &meta.id,
                        title: &meta.title,
                        severity: meta.severity,
                        compliance: &meta.compliance,
                        status,
                        message: &verdict.message,
                        resource: &resource,
                    })?;
                }
                progress(ProgressEvent::Resource);
            }
            Collected::Error(e) => {
                writer.record_error(&e)?;
                errors.push(e);
            }
        }
    }
    let Ok(scopes) = finish.blocking_recv() else {
        return Ok(None);
    };
    let published = writer.commit(&account, &scopes)?;
    let events = alert_events(published.transitions);
    Ok(Some((published.summary, errors, events)))
}

/// The transitions alert sinks care about: findings that opened or resolved.
pub(crate) fn alert_events(transitions: Vec<palisade_store::FindingTransition>) -> Vec<FindingEvent> {
    transitions
        .into_iter()
        .filter_map(|t| {
            let change = match t.change {
                FindingChange::Opened => FindingChangeKind::Opened,
                FindingChange::Resolved => FindingChangeKind::Resolved,
                _ => return None,
            };
            Some(FindingEvent {
                change,
                policy_id: t.policy_id,
                resource_id: t.resource_id,
                title: t.title,
                severity: t.severity,
                resource_type: t.resource_type,
                source: t.source,
                account_id: t.account_id,
                region: t.region,
                label: t.label,
                message: t.message,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_regional_tasks_per_region_and_global_ones_once() {
        let regions = vec![Region::new("us-east-1").unwrap(), Region::new("eu-west-1").unwrap()];
        let tasks = plan(&AwsService::ALL, &regions, &regions[0]);
        let count = |s: AwsService| tasks.iter().filter(|(t, _)| *t == s).count();
        assert_eq!(count(AwsService::Ec2), 2);
        assert_eq!(count(AwsService::Iam), 1);
        assert_eq!(count(AwsService::S3), 1);
    }

    #[test]
    fn s3_coverage_spans_every_scanned_region() {
        let regions = vec![Region::new("us-east-1").unwrap(), Region::new("eu-west-1").unwrap()];
        let scopes = scopes_of(AwsService::S3, &regions[0], &regions);
        for t in AwsService::S3.spec().resource_types {
            for r in &regions {
                assert!(scopes.contains(&(t.to_string(), r.to_string())), "{t} {r}");
            }
        }
    }
}
