//! `palisade findings`: the current findings from the store.

use crate::args::{FindingsArgs, Format};
use crate::{exit, output, policy_cmd};
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
        ..FindingFilter::default()
    };
    let findings = store.findings(&filter)?;
    // OCSF events carry each policy's description and remediation, which the store does not keep;
    // the other formats need no pack, so they do not load one.
    let pack = if args.format == Format::Ocsf { Some(policy_cmd::load_pack(None)?) } else { None };
    let catalog = pack.as_ref().map(policy_cmd::catalog).unwrap_or_default();
    let mut out = output::open(args.output.as_deref())?;
    output::write_findings(&mut out, &findings, args.format, &catalog)?;
    Ok(exit::OK)
}
