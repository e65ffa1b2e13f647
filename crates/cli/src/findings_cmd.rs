//! `palisade findings`: the current findings from the store.

use crate::args::FindingsArgs;
use crate::{exit, output};
use anyhow::Context;
use palisade_store::{FindingFilter, SqliteStore};

pub fn run(args: FindingsArgs) -> anyhow::Result<u8> {
    if !args.db.exists() {
        anyhow::bail!(
            "store {} does not exist: run `palisade scan --db {}` first",
            args.db.display(),
            args.db.display()
        );
    }
    let store = SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
    let filter = FindingFilter {
        statuses: args.status,
        severities: args.severity,
        min_severity: args.min_severity,
        policy_id: args.policy,
        account_id: args.account_id,
        resource_type: None,
    };
    let findings = store.findings(&filter)?;
    let mut out = output::open(args.output.as_deref())?;
    output::write_findings(&mut out, &findings, args.format)?;
    Ok(exit::OK)
}
