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
    // Policies disabled in the store (web UI, API) are left out, as `serve`'s scans leave them.
    let disabled = match args.db.exists() {
        true => SqliteStore::open(&args.db)?.disabled_policies()?,
        false => Default::default(),
    };
    let evaluator = Evaluator::new(&palisade_engine::enabled_pack(&pack, &disabled), &params, chrono::Utc::now())?;
    if args.all || args.source.is_some() {
        return scan_stored_sources(args, &pack, evaluator).await;
    }

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
    output::write_findings(&mut out, &findings, args.format, &policy_cmd::catalog(&pack))?;

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

    if fails_at(&findings, args.fail_on) {
        return Ok(exit::FINDINGS);
    }
    Ok(exit::OK)
}

/// Completes on SIGINT or SIGTERM.
pub(crate) async fn shutdown_signal() {
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

/// `scan --all` / `scan --source NAME`: sources from the store, each through its own role.
async fn scan_stored_sources(args: ScanArgs, pack: &palisade_policy::Pack, evaluator: Evaluator) -> anyhow::Result<u8> {
    let store = crate::source_cmd::open(&args.db)?;
    let sources: Vec<_> = match &args.source {
        Some(name) => vec![store.source(name)?.ok_or_else(|| anyhow::anyhow!("no source named {name:?}"))?],
        None => store.sources()?.into_iter().filter(|s| s.enabled).collect(),
    };
    drop(store);
    if sources.is_empty() {
        anyhow::bail!("no enabled sources in {}: add one with `palisade source add`", args.db.display());
    }
    let connector = palisade_collect::aws::AwsConnector::from_environment().await;
    let opts = palisade_engine::MultiScanOptions {
        accounts: args.max_accounts,
        per_account: args.concurrency,
        overall: args.max_concurrency,
    };
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = cancel_tx.send(true);
    });
    let (report, bar) = progress::reporter();
    let scans =
        palisade_engine::scan_sources(&connector, sources, args.db.clone(), evaluator, opts, report, cancel_rx).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let accounts: Vec<String> = scans.iter().map(|s| s.source.account_id.to_string()).collect();
    let store = SqliteStore::open(&args.db)?;
    let filter = FindingFilter { account_ids: accounts, ..FindingFilter::default() };
    let findings = store.findings(&filter)?;
    let mut out = output::open(args.output.as_deref())?;
    output::write_findings(&mut out, &findings, args.format, &policy_cmd::catalog(pack))?;

    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["SOURCE", "ACCOUNT", "LABEL", "STATUS", "RESOURCES", "FAILING", "SCAN ERRORS", "DETAIL"]);
    let (mut failed, mut interrupted) = (0, 0);
    let mut errors = Vec::new();
    for scan in &scans {
        let s = &scan.source;
        let row = match &scan.result {
            Ok(o) => {
                errors.extend(o.errors.iter().cloned());
                let detail = format!("{} region(s)", o.regions.len());
                [
                    s.name.clone(),
                    s.account_id.to_string(),
                    s.label.clone(),
                    "completed".into(),
                    o.summary.resources.to_string(),
                    o.summary.failing.to_string(),
                    o.summary.errors.to_string(),
                    detail,
                ]
            }
            Err(EngineError::Interrupted) => {
                interrupted += 1;
                [
                    s.name.clone(),
                    s.account_id.to_string(),
                    s.label.clone(),
                    "interrupted".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "rolled back; previous results kept".into(),
                ]
            }
            Err(e) => {
                failed += 1;
                [
                    s.name.clone(),
                    s.account_id.to_string(),
                    s.label.clone(),
                    "failed".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    format!("{e:#}"),
                ]
            }
        };
        table.add_row(row);
    }
    let to_stdout = matches!(args.format, Format::Table) && args.output.is_none();
    let text = format!(
        "{table}\nscanned {} source(s): {} completed, {} failed, {} interrupted",
        scans.len(),
        scans.len() - failed - interrupted,
        failed,
        interrupted
    );
    if to_stdout {
        println!("{text}");
        if !errors.is_empty() {
            println!("Scan errors (the scans went on):\n{}", output::errors_table(&errors));
        }
    } else {
        eprintln!("{text}");
        if !errors.is_empty() {
            eprintln!("Scan errors (the scans went on):\n{}", output::errors_table(&errors));
        }
    }
    if interrupted > 0 {
        return Ok(exit::INTERRUPTED);
    }
    if failed > 0 {
        return Ok(exit::ERROR);
    }
    if fails_at(&findings, args.fail_on) {
        return Ok(exit::FINDINGS);
    }
    Ok(exit::OK)
}

/// Whether `--fail-on threshold` is met: some FAIL at or above it.
fn fails_at(findings: &[palisade_model::Finding], threshold: Option<palisade_model::Severity>) -> bool {
    threshold.is_some_and(|t| findings.iter().any(|f| f.status == FindingStatus::Fail && f.severity >= t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::{AccountId, Finding, PolicyId, Region, ResourceId, Severity};

    fn finding(status: FindingStatus, severity: Severity) -> Finding {
        Finding {
            policy_id: PolicyId::new("A.B").unwrap(),
            title: "t".into(),
            severity,
            status,
            resource_id: ResourceId::new("r").unwrap(),
            resource_type: "T".into(),
            source: "s".into(),
            account_id: AccountId::new("123456789012").unwrap(),
            region: Region::global(),
            label: String::new(),
            message: String::new(),
            compliance: Default::default(),
            first_seen: chrono::Utc::now(),
            last_seen: chrono::Utc::now(),
            resolved_at: None,
        }
    }

    #[test]
    fn fail_on_counts_only_failures_at_or_above_the_threshold() {
        let findings =
            [finding(FindingStatus::Fail, Severity::Medium), finding(FindingStatus::Pass, Severity::Critical)];
        assert!(fails_at(&findings, Some(Severity::Low)));
        assert!(fails_at(&findings, Some(Severity::Medium)));
        assert!(!fails_at(&findings, Some(Severity::High)), "a PASS never counts, whatever its severity");
        assert!(!fails_at(&findings, None));
        assert!(!fails_at(&[], Some(Severity::Info)));
    }
}
