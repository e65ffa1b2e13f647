//! `palisade source add|list|show|update|remove`: the accounts Palisade scans.

use crate::args::Format;
use crate::exit;
use anyhow::Context;
use clap::{Args, Subcommand};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use palisade_model::{AccountId, Region, Source, DEFAULT_SCHEDULE};
use palisade_store::SqliteStore;
use std::path::{Path, PathBuf};

/// The role name the generated onboarding template creates, used when `--role-arn` is not given.
pub const DEFAULT_ROLE_NAME: &str = "PalisadeReadOnly";

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

pub fn run(args: SourceArgs) -> anyhow::Result<u8> {
    match args.command {
        SourceCommand::Add(a) => add(a),
        SourceCommand::List { db, format } => list(&db, format),
        SourceCommand::Show { name, db, format } => show(&db, &name, format),
        SourceCommand::Update(a) => update(a),
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

/// A random ExternalId: 128 bits as hex.
fn generate_external_id() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("generating an external id: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn add(a: AddArgs) -> anyhow::Result<u8> {
    let generated = a.external_id.is_none();
    let external_id = match a.external_id {
        Some(x) => x,
        None => generate_external_id()?,
    };
    let role_arn = a.role_arn.unwrap_or_else(|| format!("arn:aws:iam::{}:role/{DEFAULT_ROLE_NAME}", a.account_id));
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
    println!("Next: deploy the read-only role with `palisade onboard role --source {} --db {}`", source.name, a.db.display());
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
        obj.insert("external_id".into(), serde_json::Value::String(if s.external_id.is_some() { "set" } else { "none" }.into()));
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
            .map(|r| format!("{:?} {} ({} failing, {} errors)", r.status, r.started_at.format("%F %T"), r.failing, r.errors).to_lowercase())
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
