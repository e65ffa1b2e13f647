//! `palisade source add|list|show|update|remove|discover`: the accounts Palisade scans.

use crate::args::{Format, ListFormat};
use crate::exit;
use anyhow::Context;
use clap::{ArgGroup, Args, Subcommand};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use palisade_collect::aws::discover::{
    discover_organization, discovered_sources, Discovered, LabelMapping, LabelRule, NewSource, OrgDiscovery,
};
use palisade_collect::aws::{AwsContext, ContextOptions};
use palisade_model::{AccountId, Region, Source, DEFAULT_SCHEDULE};
use palisade_store::SqliteStore;
use std::path::{Path, PathBuf};

/// The role name the generated onboarding template creates, used when `--role-arn` is not given.
pub use palisade_onboard::DEFAULT_ROLE_NAME;

#[derive(Args, Debug)]
pub struct SourceArgs {
    #[command(subcommand)]
    pub command: SourceCommand,
}

#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Add an account. A missing --external-id is generated and shown once.
    Add(AddArgs),
    /// List sources with their last scan.
    List {
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one source.
    Show {
        name: String,
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Change fields of a source; fields not given stay as they are.
    Update(UpdateArgs),
    /// Remove a source (its resources and findings stay in the store as history).
    Remove {
        name: String,
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
    },
    /// Add every active account of an AWS Organization as a source (run with the management
    /// account's credentials). Generated external ids are shown once.
    Discover(DiscoverArgs),
}

#[derive(Args, Debug)]
pub struct AddArgs {
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    #[arg(long)]
    pub name: String,
    /// The 12-digit AWS account id.
    #[arg(long)]
    pub account_id: AccountId,
    /// Prod, Dev, Test, ...: stamped on every resource and finding of the source.
    #[arg(long)]
    pub label: String,
    /// The read-only role to assume (default: arn:aws:iam::<account>:role/PalisadeReadOnly, the
    /// role `palisade onboard role` creates).
    #[arg(long)]
    pub role_arn: Option<String>,
    /// The ExternalId the role's trust policy requires (generated when not given).
    #[arg(long)]
    pub external_id: Option<String>,
    /// Regions to scan, comma-separated (default: every enabled region).
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<Region>,
    /// Rescan resources named in CloudTrail events in real time.
    #[arg(long)]
    pub realtime: bool,
    /// Allow automatic remediation for this source.
    #[arg(long)]
    pub remediation: bool,
    /// Scan schedule, a cron expression or @daily.
    #[arg(long, default_value = DEFAULT_SCHEDULE)]
    pub schedule: String,
    /// Add the source disabled (not scanned by `scan --all` or the scheduler).
    #[arg(long)]
    pub disabled: bool,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    pub name: String,
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    #[arg(long)]
    pub label: Option<String>,
    #[arg(long)]
    pub role_arn: Option<String>,
    #[arg(long)]
    pub external_id: Option<String>,
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<Region>>,
    #[arg(long)]
    pub realtime: Option<bool>,
    #[arg(long)]
    pub remediation: Option<bool>,
    #[arg(long)]
    pub enabled: Option<bool>,
    #[arg(long)]
    pub schedule: Option<String>,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("labels").required(true).args(["label_from_ou", "mapping"])))]
pub struct DiscoverArgs {
    /// Discover the accounts of the AWS Organization the ambient credentials' account manages.
    #[arg(long, required = true)]
    pub org: bool,
    /// The read-only role to assume in every account (arn:aws:iam::<account>:role/<name>).
    #[arg(long, default_value = DEFAULT_ROLE_NAME)]
    pub role_name: String,
    /// Label each source with the name of the OU directly containing its account.
    #[arg(long)]
    pub label_from_ou: bool,
    /// Label sources from a YAML or JSON file mapping account ids, OU paths (Root/Workloads/Prod,
    /// covering the OUs below) or * to labels; unmatched accounts are skipped.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Regions to scan in every new source, comma-separated (default: every enabled region).
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<Region>,
    /// Show what would be added; add nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub async fn run(args: SourceArgs) -> anyhow::Result<u8> {
    match args.command {
        SourceCommand::Add(a) => add(a),
        SourceCommand::List { db, format } => list(&db, format),
        SourceCommand::Show { name, db, format } => show(&db, &name, format),
        SourceCommand::Update(a) => update(a),
        SourceCommand::Discover(a) => discover(a).await,
        SourceCommand::Remove { name, db } => {
            let mut store = open(&db)?;
            if !store.remove_source(&name)? {
                anyhow::bail!("no source named {name:?}");
            }
            println!("removed source {name}");
            Ok(exit::OK)
        }
    }
}

pub fn open(db: &Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(db).with_context(|| format!("opening {}", db.display()))
}

/// A random ExternalId, made as every other way of adding a source makes it.
pub(crate) fn generate_external_id() -> anyhow::Result<String> {
    Ok(palisade_onboard::generate_external_id()?)
}

fn add(a: AddArgs) -> anyhow::Result<u8> {
    let generated = a.external_id.is_none();
    let external_id = match a.external_id {
        Some(x) => x,
        None => generate_external_id()?,
    };
    let role_arn = a.role_arn.unwrap_or_else(|| palisade_onboard::default_role_arn(a.account_id.as_str()));
    let source = Source {
        name: a.name,
        account_id: a.account_id,
        label: a.label,
        role_arn: Some(role_arn),
        external_id: Some(external_id.clone()),
        regions: a.regions,
        realtime: a.realtime,
        remediation: a.remediation,
        enabled: !a.disabled,
        schedule: a.schedule,
        next_run_at: None,
        created_at: chrono::Utc::now(),
    };
    source.validate()?;
    let mut store = open(&a.db)?;
    store.add_source(&source)??;
    println!("added source {} (account {}, label {})", source.name, source.account_id, source.label);
    if generated {
        println!("External ID (shown once; the role's trust policy must require it): {external_id}");
    }
    println!(
        "Next: deploy the read-only role with `palisade onboard role --source {} --db {}`",
        source.name,
        a.db.display()
    );
    Ok(exit::OK)
}

fn update(a: UpdateArgs) -> anyhow::Result<u8> {
    let mut store = open(&a.db)?;
    let mut s = store.source(&a.name)?.ok_or_else(|| anyhow::anyhow!("no source named {:?}", a.name))?;
    if let Some(v) = a.label {
        s.label = v;
    }
    if let Some(v) = a.role_arn {
        s.role_arn = Some(v);
    }
    if let Some(v) = a.external_id {
        s.external_id = Some(v);
    }
    if let Some(v) = a.regions {
        s.regions = v;
    }
    if let Some(v) = a.realtime {
        s.realtime = v;
    }
    if let Some(v) = a.remediation {
        s.remediation = v;
    }
    if let Some(v) = a.enabled {
        s.enabled = v;
    }
    if let Some(v) = a.schedule {
        s.schedule = v;
        s.next_run_at = None;
    }
    s.validate()?;
    store.update_source(&s)?;
    println!("updated source {}", s.name);
    Ok(exit::OK)
}

/// A source as shown to people and scripts: the external id is never printed again.
fn public_view(s: &Source) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Some(obj) = v.as_object_mut() {
        obj.insert(
            "external_id".into(),
            serde_json::Value::String(if s.external_id.is_some() { "set" } else { "none" }.into()),
        );
    }
    v
}

fn list(db: &Path, format: Format) -> anyhow::Result<u8> {
    let store = open(db)?;
    let sources = store.sources()?;
    let last = store.last_scans_by_source()?;
    if format == Format::Json {
        let rows: Vec<_> = sources
            .iter()
            .map(|s| {
                let mut v = public_view(s);
                if let (Some(obj), Some(run)) = (v.as_object_mut(), last.get(&s.name)) {
                    obj.insert(
                        "last_scan".into(),
                        serde_json::json!({"id": run.id, "status": format!("{:?}", run.status).to_lowercase(),
                            "started_at": run.started_at, "finished_at": run.finished_at,
                            "resources": run.resources, "failing": run.failing, "errors": run.errors}),
                    );
                }
                v
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(exit::OK);
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["NAME", "ACCOUNT", "LABEL", "ENABLED", "REALTIME", "REMEDIATION", "REGIONS", "LAST SCAN"]);
    for s in &sources {
        let regions = if s.regions.is_empty() {
            "all enabled".to_string()
        } else {
            s.regions.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
        };
        let last_scan = last
            .get(&s.name)
            .map(|r| {
                format!("{:?} {} ({} failing, {} errors)", r.status, r.started_at.format("%F %T"), r.failing, r.errors)
                    .to_lowercase()
            })
            .unwrap_or_else(|| "never".into());
        table.add_row([
            s.name.as_str(),
            s.account_id.as_str(),
            &s.label,
            yes(s.enabled),
            yes(s.realtime),
            yes(s.remediation),
            &regions,
            &last_scan,
        ]);
    }
    println!("{table}");
    Ok(exit::OK)
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn show(db: &Path, name: &str, format: Format) -> anyhow::Result<u8> {
    let store = open(db)?;
    let s = store.source(name)?.ok_or_else(|| anyhow::anyhow!("no source named {name:?}"))?;
    let view = public_view(&s);
    if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else if let Some(obj) = view.as_object() {
        for (k, v) in obj {
            println!("{k:>12}: {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        }
    }
    Ok(exit::OK)
}

/// `source discover --org`: every active account of the organization becomes a source (name from
/// the account name, label from its OU or the mapping, its own generated ExternalId); accounts
/// that are already sources, inactive or unlabelled are skipped and listed with the reason.
async fn discover(a: DiscoverArgs) -> anyhow::Result<u8> {
    let labels = match &a.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            let mapping =
                LabelMapping::parse(&text).with_context(|| format!("reading the label mapping {}", path.display()))?;
            LabelRule::Mapping(mapping)
        }
        None => LabelRule::FromOu,
    };
    let mut store = open(&a.db)?;
    let existing = store.sources()?;
    let ctx = AwsContext::from_environment(ContextOptions::default()).await.context("connecting to AWS")?;
    let accounts = match discover_organization(&ctx).await.context("listing the organization's accounts")? {
        OrgDiscovery::Management { accounts, .. } => accounts,
        OrgDiscovery::Member { organization_id, management_account_id } => anyhow::bail!(
            "account {} is a member of organization {organization_id}; run discover with the credentials of its management account {management_account_id}",
            ctx.account_id()
        ),
        OrgDiscovery::NotInOrganization => anyhow::bail!("account {} is not in an AWS Organization", ctx.account_id()),
    };

    let plan = discovered_sources(&accounts, &a.role_name, &labels, &existing);
    let source_for = |s: &NewSource, external_id: Option<String>| Source {
        name: s.name.clone(),
        account_id: s.account_id.clone(),
        label: s.label.clone(),
        role_arn: Some(s.role_arn.clone()),
        external_id,
        regions: a.regions.clone(),
        realtime: false,
        remediation: false,
        enabled: true,
        schedule: DEFAULT_SCHEDULE.into(),
        next_run_at: None,
        created_at: chrono::Utc::now(),
    };
    // Every new source is checked before any is added, so a bad --role-name adds nothing.
    for d in &plan {
        if let Discovered::Add(s) = d {
            source_for(s, None).validate().with_context(|| format!("account {} ({})", s.account_id, s.account_name))?;
        }
    }

    let mut rows = Vec::with_capacity(plan.len());
    for d in plan {
        let row = match d {
            Discovered::Add(s) => {
                let (result, external_id, reason) = if a.dry_run {
                    ("would add", None, None)
                } else {
                    let source = source_for(&s, Some(generate_external_id()?));
                    match store.add_source(&source)? {
                        Ok(()) => ("added", source.external_id, None),
                        // Added by someone else since the plan was made.
                        Err(conflict) => ("skipped", None, Some(conflict.to_string())),
                    }
                };
                serde_json::json!({
                    "result": result, "name": s.name, "account_id": s.account_id, "account_name": s.account_name,
                    "ou_path": s.ou_path, "label": s.label, "role_arn": s.role_arn, "external_id": external_id,
                    "reason": reason,
                })
            }
            Discovered::Skip { account, reason } => serde_json::json!({
                "result": "skipped", "name": null, "account_id": account.account_id, "account_name": account.name,
                "ou_path": account.ou_path, "label": null, "role_arn": null, "external_id": null,
                "reason": reason.to_string(),
            }),
        };
        rows.push(row);
    }

    if a.format == ListFormat::Json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(exit::OK);
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["RESULT", "SOURCE", "ACCOUNT", "ACCOUNT NAME", "OU PATH", "LABEL", "EXTERNAL ID", "REASON"]);
    for r in &rows {
        table.add_row(
            ["result", "name", "account_id", "account_name", "ou_path", "label", "external_id", "reason"]
                .map(|k| text(&r[k])),
        );
    }
    println!("{table}");
    let count = |result: &str| rows.iter().filter(|r| r["result"] == result).count();
    if a.dry_run {
        println!(
            "dry run: {} source(s) would be added, {} account(s) skipped; nothing was added",
            count("would add"),
            count("skipped")
        );
    } else {
        println!("added {} source(s), skipped {} account(s)", count("added"), count("skipped"));
        if count("added") > 0 {
            println!(
                "External IDs are shown once: the {} role in each account must require its source's ExternalId (see `palisade onboard role --source NAME`)",
                a.role_name
            );
        }
    }
    Ok(exit::OK)
}
