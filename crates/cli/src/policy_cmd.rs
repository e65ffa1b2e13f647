//! `palisade policy test|list|coverage`.

use crate::args::{ListFormat, PolicyArgs, PolicyCommand};
use crate::{exit, output};
use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use palisade_policy::{run_tests, Pack};
use palisade_report::Catalog;
use std::path::Path;

pub fn run(args: PolicyArgs) -> anyhow::Result<u8> {
    match args.command {
        PolicyCommand::Test { dir } => test(dir.as_deref()),
        PolicyCommand::List { policies, format } => list(policies.as_deref(), format),
        PolicyCommand::Coverage { output } => coverage(output.as_deref()),
    }
}

/// The pack's policy metadata, by id, for reports.
pub fn catalog(pack: &Pack) -> Catalog<'_> {
    Catalog::new(pack.policies.iter().map(|p| p.metadata.as_ref()))
}

/// The built-in pack plus, when given, a user's directory.
pub fn load_pack(extra: Option<&Path>) -> anyhow::Result<Pack> {
    let mut pack = Pack::builtin()?;
    if let Some(dir) = extra {
        if !dir.is_dir() {
            anyhow::bail!("policy directory {} does not exist", dir.display());
        }
        pack.extend(Pack::from_dir(dir)?)?;
    }
    Ok(pack)
}

fn test(dir: Option<&Path>) -> anyhow::Result<u8> {
    let pack = match dir {
        Some(d) => Pack::from_dir(d)?,
        None => Pack::builtin()?,
    };
    let report = run_tests(&pack)?;
    for o in &report.outcomes {
        match &o.detail {
            None => println!("ok      {} {}", o.file, o.name),
            Some(why) => println!("FAILED  {} {}: {why}", o.file, o.name),
        }
    }
    println!("{} passed, {} failed", report.passed(), report.failed());
    Ok(if report.failed() == 0 && !report.outcomes.is_empty() { exit::OK } else { exit::ERROR })
}

fn list(extra: Option<&Path>, format: ListFormat) -> anyhow::Result<u8> {
    let pack = load_pack(extra)?;
    let metas: Vec<_> = pack.policies.iter().map(|p| p.metadata.as_ref()).collect();
    match format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&metas)?),
        ListFormat::Table => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
            table.set_header(["ID", "SEVERITY", "RESOURCE TYPES", "TITLE"]);
            for m in metas {
                table.add_row([m.id.as_str(), m.severity.as_str(), &m.resource_types.join(", "), &m.title]);
            }
            println!("{table}");
        }
    }
    Ok(exit::OK)
}

/// The built-in pack's coverage document; docs/coverage.md is its output (a test compares them).
fn coverage(output: Option<&Path>) -> anyhow::Result<u8> {
    let pack = Pack::builtin()?;
    let mut out = output::open(output)?;
    palisade_report::write_coverage(&mut out, &catalog(&pack), &pack.frameworks)
        .context("writing the coverage document")?;
    Ok(exit::OK)
}
