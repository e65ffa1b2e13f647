//! `palisade scan`: scan the account of the standard credential chain, then print its findings.

use crate::args::{Format, ScanArgs};
use crate::{exit, output, policy_cmd, progress};
use anyhow::Context;
use palisade_collect::aws::{AwsContext, ContextOptions};
use palisade_engine::{scan_account, EngineError, ScanOptions};
use palisade_model::FindingStatus;
use palisade_policy::{Evaluator, Params};
use palisade_store::{FindingFilter, SqliteStore};

pub async fn run(args: ScanArgs) -> anyhow::Result<u8> {
    // Policies first: a broken policy should fail before any API call is made.
    let pack = policy_cmd::load_pack(args.policies.as_deref())?;
    let params: Params = args.params.iter().cloned().collect();
    let evaluator = Evaluator::new(&pack, &params, chrono::Utc::now())?;

    let opts = ContextOptions { source: "default".into(), label: args.label.clone(), ..ContextOptions::default() };
    let ctx = AwsContext::from_environment(opts).await.context("connecting to AWS")?;
    let scan_opts =
        ScanOptions { regions: args.regions.clone(), concurrency: args.concurrency, ..ScanOptions::default() };
    let (report, bar) = progress::reporter();
    let outcome = scan_account(ctx, args.db.clone(), evaluator, scan_opts, report, shutdown_signal()).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let outcome = match outcome {
        Ok(o) => o,
        Err(EngineError::Interrupted) => {
            eprintln!(
                "interrupted: the scan was rolled back; the previous results in {} are unchanged",
                args.db.display()
            );
            return Ok(exit::INTERRUPTED);
        }
        Err(e) => return Err(e.into()),
    };

    let store = SqliteStore::open(&args.db)?;
    let filter = FindingFilter { account_id: Some(outcome.account_id.clone()), ..FindingFilter::default() };
    let findings = store.findings(&filter)?;
    let mut out = output::open(args.output.as_deref())?;
    output::write_findings(&mut out, &findings, args.format)?;

    let s = outcome.summary;
    let opened = outcome.events.iter().filter(|e| e.change == palisade_engine::FindingChangeKind::Opened).count();
    let resolved = outcome.events.len() - opened;
    let summary = format!(
        "scanned account {} in {} region(s): {} resources, {} evaluations, {} failing ({} new, {} resolved), {} scan errors",
        outcome.account_id,
        outcome.regions.len(),
        s.resources,
        s.evaluations,
        s.failing,
        opened,
        resolved,
        s.errors
    );
    // Keep machine-readable stdout clean: the summary goes to stderr unless it is a table on stdout.
    if args.format == Format::Table && args.output.is_none() {
        println!("{summary}");
        if !outcome.errors.is_empty() {
            println!("Scan errors (the scan went on):\n{}", output::errors_table(&outcome.errors));
        }
    } else {
        eprintln!("{summary}");
        if !outcome.errors.is_empty() {
            eprintln!("Scan errors (the scan went on):\n{}", output::errors_table(&outcome.errors));
        }
    }

    if let Some(threshold) = args.fail_on {
        if findings.iter().any(|f| f.status == FindingStatus::Fail && f.severity >= threshold) {
            return Ok(exit::FINDINGS);
        }
    }
    Ok(exit::OK)
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
