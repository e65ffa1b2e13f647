//! `palisade remediate`: plan (the default) or apply the opt-in fixes of failing findings. Each
//! applied fix is audited and verified by a rescan; `--history` prints the audit log.

use crate::args::ListFormat;
use crate::{exit, policy_cmd};
use anyhow::Context;
use clap::Args;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use palisade_collect::aws::AwsConnector;
use palisade_policy::{Evaluator, Params};
use palisade_remediate::{Mode, Outcome, OutcomeStatus, RemediationOptions, RemediationRunner, REMEDIATION_ROLE_NAME};
use palisade_store::AuditFilter;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct RemediateArgs {
    /// The embedded store (SQLite) holding the sources and their findings.
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    /// Only this source (default: every source; only those opted in with --remediation are fixed).
    #[arg(long)]
    pub source: Option<String>,
    /// Only this policy id.
    #[arg(long)]
    pub policy: Option<String>,
    /// Show what would change and change nothing (the default).
    #[arg(long, conflicts_with = "apply")]
    pub plan: bool,
    /// Change it: each fix goes through the source's remediation role, is audited, and the
    /// resource is rescanned to confirm the finding resolved.
    #[arg(long)]
    pub apply: bool,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// A parameter, KEY=VALUE, for the fixes and for the policies the rescan evaluates, e.g.
    /// iam_access_key_max_age_days=60 or s3_encryption_kms_key_id=alias/data. Repeatable.
    #[arg(long = "param", value_parser = crate::args::parse_param)]
    pub params: Vec<(String, serde_json::Value)>,
    /// Try again the fixes whose last attempt failed, although the resource has not changed since.
    #[arg(long)]
    pub retry_failed: bool,
    /// The role assumed (with the source's ExternalId) in each source's account to write.
    #[arg(long, default_value = REMEDIATION_ROLE_NAME)]
    pub role_name: String,
    /// A directory of extra policies (and their remediation ids), as given to `scan --policies`.
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// Print the remediation audit log, newest first, instead of remediating.
    #[arg(long, conflicts_with_all = ["plan", "apply"])]
    pub history: bool,
    /// With --history: rows printed at most.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

pub async fn run(args: RemediateArgs) -> anyhow::Result<u8> {
    if args.history {
        return history(&args);
    }
    let pack = policy_cmd::load_pack(args.policies.as_deref())?;
    let params: Params = args.params.iter().cloned().collect();
    let evaluator = Evaluator::new(&pack, &params, chrono::Utc::now())?;
    // The file must exist: remediation works on what a scan stored.
    if !args.db.is_file() {
        anyhow::bail!("no store at {}: scan first (palisade scan --all)", args.db.display());
    }
    let mode = if args.apply { Mode::Apply } else { Mode::Plan };
    let opts = RemediationOptions {
        mode,
        source: args.source.clone(),
        policy: args.policy.clone(),
        params,
        retry_failed: args.retry_failed,
        role_name: args.role_name.clone(),
        ..RemediationOptions::default()
    };
    let connector = AwsConnector::from_environment().await;
    let outcomes = RemediationRunner::new(connector, args.db.clone(), evaluator)
        .run(&opts)
        .await
        .with_context(|| format!("remediating from {}", args.db.display()))?;

    let summary = summary(&outcomes, mode);
    match args.format {
        ListFormat::Json => {
            println!("{}", serde_json::to_string_pretty(&outcomes)?);
            eprintln!("{summary}");
        }
        ListFormat::Table => {
            if outcomes.is_empty() {
                println!("No failing finding has a remediation.");
            } else {
                println!("{}", outcomes_table(&outcomes));
            }
            println!("{summary}");
        }
    }
    let failed = outcomes.iter().any(|o| o.status == OutcomeStatus::Failed);
    Ok(if failed { exit::ERROR } else { exit::OK })
}

fn summary(outcomes: &[Outcome], mode: Mode) -> String {
    let count = |s: OutcomeStatus| outcomes.iter().filter(|o| o.status == s).count();
    match mode {
        Mode::Plan => format!(
            "Plan: {} to change, {} unchanged, {} skipped, {} failed. Nothing was changed; run with --apply to apply.",
            count(OutcomeStatus::Planned),
            count(OutcomeStatus::Unchanged),
            count(OutcomeStatus::Skipped),
            count(OutcomeStatus::Failed),
        ),
        Mode::Apply => format!(
            "Applied: {} changed ({} verified resolved), {} unchanged, {} skipped, {} failed.",
            count(OutcomeStatus::Applied),
            outcomes.iter().filter(|o| o.status == OutcomeStatus::Applied && o.verified == Some(true)).count(),
            count(OutcomeStatus::Unchanged),
            count(OutcomeStatus::Skipped),
            count(OutcomeStatus::Failed),
        ),
    }
}

fn outcomes_table(outcomes: &[Outcome]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["SOURCE", "POLICY", "RESOURCE", "ACTION", "STATUS", "WHAT", "VERIFIED"]);
    for o in outcomes {
        let mut what: Vec<String> = o.changes.clone();
        what.extend(o.left_alone.iter().map(|l| format!("left alone: {l}")));
        what.extend(o.reason.clone());
        let status =
            serde_json::to_value(o.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        let verified = match o.verified {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "",
        };
        table.add_row([
            o.source.as_str(),
            o.policy_id.as_str(),
            o.resource_id.as_str(),
            o.action.as_str(),
            status.as_str(),
            &what.join("\n"),
            verified,
        ]);
    }
    table
}

fn history(args: &RemediateArgs) -> anyhow::Result<u8> {
    let store = crate::source_cmd::open(&args.db)?;
    let filter = AuditFilter {
        source: args.source.clone(),
        policy_id: args.policy.clone(),
        resource_id: None,
        limit: args.limit,
    };
    let rows = store.remediation_audit(&filter)?;
    match args.format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        ListFormat::Table => {
            if rows.is_empty() {
                println!("No remediation has been planned or applied.");
                return Ok(exit::OK);
            }
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
            table.set_header([
                "#", "AT", "SOURCE", "POLICY", "RESOURCE", "ACTION", "MODE", "RESULT", "DETAIL", "VERIFIED",
            ]);
            for r in &rows {
                let detail = match &r.error {
                    Some(e) => format!("{}: {e}", r.detail),
                    None => r.detail.clone(),
                };
                let verified = match r.verified {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "",
                };
                table.add_row([
                    r.id.to_string().as_str(),
                    &r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    &r.source,
                    &r.policy_id,
                    &r.resource_id,
                    &r.action_id,
                    r.mode.as_str(),
                    r.result.as_str(),
                    &detail,
                    verified,
                ]);
            }
            println!("{table}");
        }
    }
    Ok(exit::OK)
}
