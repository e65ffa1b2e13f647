//! Scanning many sources at once: each through its own credentials, concurrently (bounded overall
//! and per account), each recorded with its own status; one source failing never stops the others.

use crate::scan::{scan_account, ProgressEvent, ScanOptions, ScanOutcome};
use crate::EngineError;
use palisade_collect::aws::{AwsConnector, ContextOptions};
use palisade_model::{ScanError, Source};
use palisade_policy::Evaluator;
use palisade_store::SqliteStore;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{watch, Semaphore};

/// How one source's scan ended.
#[derive(Debug)]
pub struct SourceScan {
    pub source: Source,
    pub result: Result<ScanOutcome, EngineError>,
}

/// Limits for a multi-source scan.
#[derive(Debug, Clone)]
pub struct MultiScanOptions {
    /// Accounts scanned at once.
    pub accounts: usize,
    /// Collector tasks at once within one account (AWS throttles per account).
    pub per_account: usize,
    /// Collector tasks at once over all accounts.
    pub overall: usize,
}

impl Default for MultiScanOptions {
    fn default() -> Self {
        Self { accounts: 8, per_account: 8, overall: 32 }
    }
}

/// Scans every source in `sources`; returns one [`SourceScan`] per source, in the given order.
/// When `cancel` turns true, running scans are rolled back and pending ones are not started.
pub async fn scan_sources(
    connector: &AwsConnector,
    sources: Vec<Source>,
    db: PathBuf,
    evaluator: Evaluator,
    opts: MultiScanOptions,
    progress: Arc<dyn Fn(ProgressEvent) + Send + Sync>,
    cancel: watch::Receiver<bool>,
) -> Vec<SourceScan> {
    let accounts = Arc::new(Semaphore::new(opts.accounts.max(1)));
    let overall = Arc::new(Semaphore::new(opts.overall.max(1)));
    let mut handles = Vec::with_capacity(sources.len());
    for source in sources {
        let (connector, db, evaluator, progress) = (connector.clone(), db.clone(), evaluator.clone(), progress.clone());
        let (accounts, overall, mut cancel) = (accounts.clone(), overall.clone(), cancel.clone());
        let per_account = opts.per_account;
        handles.push(tokio::spawn(async move {
            let result = async {
                let _slot = accounts.acquire().await.map_err(|_| EngineError::Interrupted)?;
                if *cancel.borrow() {
                    return Err(EngineError::Interrupted);
                }
                let ctx_opts = ContextOptions {
                    source: source.name.clone(),
                    label: source.label.clone(),
                    ..ContextOptions::default()
                };
                let ctx = match connector.context_for(&source, ctx_opts).await {
                    Ok(ctx) => ctx,
                    Err(e) => {
                        record_unreachable(&db, &source, &e.to_scan_error())?;
                        return Err(EngineError::Unreachable { source_name: source.name.clone(), cause: Box::new(e) });
                    }
                };
                let scan_opts = ScanOptions {
                    regions: (!source.regions.is_empty()).then(|| source.regions.clone()),
                    concurrency: per_account,
                    overall: Some(overall),
                    ..ScanOptions::default()
                };
                let cancelled = async move {
                    let _ = cancel.wait_for(|c| *c).await;
                };
                scan_account(ctx, db, evaluator, scan_opts, progress, cancelled).await
            }
            .await;
            SourceScan { source, result }
        }));
    }
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        match h.await {
            Ok(scan) => out.push(scan),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
    }
    out
}

/// A source whose credentials could not be obtained still gets a (failed) scan row with the
/// reason, so `scan` history shows it.
fn record_unreachable(db: &std::path::Path, source: &Source, error: &ScanError) -> Result<(), EngineError> {
    let mut store = SqliteStore::open(db)?;
    let id = store.begin_scan(&source.name, &source.account_id, &source.regions)?;
    let error = ScanError {
        service: if error.service.is_empty() { "sts".into() } else { error.service.clone() },
        operation: if error.operation.is_empty() { "AssumeRole".into() } else { error.operation.clone() },
        ..error.clone()
    };
    store.record_failed_scan(id, &error)?;
    Ok(())
}
