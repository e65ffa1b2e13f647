//! `palisade report`: a compliance report for one framework from the current findings in the
//! store, as a table, JSON or one self-contained HTML page.

use crate::args::{ReportArgs, ReportFormat};
use crate::{exit, output, policy_cmd};
use anyhow::Context;
use palisade_report::ComplianceReport;
use palisade_store::{FindingFilter, SqliteStore};

pub fn run(args: ReportArgs) -> anyhow::Result<u8> {
    // The pack first: the framework and the policy-to-control map come from it, and an unknown
    // framework should be reported before the store is touched.
    let pack = policy_cmd::load_pack(args.policies.as_deref())?;
    let Some(framework) = pack.framework(&args.framework) else {
        let known: Vec<_> = pack.frameworks.iter().map(|f| f.id.as_str()).collect();
        anyhow::bail!("unknown framework {:?}: the policy pack has {}", args.framework, known.join(", "));
    };
    if !args.db.exists() {
        anyhow::bail!(
            "store {} does not exist: run `palisade scan --db {}` first",
            args.db.display(),
            args.db.display()
        );
    }
    let store = SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let filter = FindingFilter { account_id: args.account_id.clone(), ..FindingFilter::default() };
    let findings = store.findings(&filter)?;
    let report = ComplianceReport::build(framework, &policy_cmd::catalog(&pack), &findings, chrono::Utc::now());
    let format = match args.format {
        ReportFormat::Table => palisade_report::ReportFormat::Table,
        ReportFormat::Json => palisade_report::ReportFormat::Json,
        ReportFormat::Html => palisade_report::ReportFormat::Html,
    };
    let mut out = output::open(args.output.as_deref())?;
    palisade_report::write_report(&mut out, &report, format)
        .with_context(|| format!("writing the {} report", args.framework))?;
    Ok(exit::OK)
}
