//! Renders findings and scan summaries as a table for people or JSON for programs; CSV and OCSF
//! are written by `palisade-report`.

use crate::args::Format;
use anyhow::Context;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use palisade_model::{Finding, ScanError};
use palisade_report::Catalog;
use std::io::Write;
use std::path::Path;

/// Where output goes: a file (`--output`) or stdout.
pub fn open(output: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating output file {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    })
}

/// `catalog` supplies what OCSF events carry beyond a finding (description, remediation); the other
/// formats print the finding alone.
pub fn write_findings(
    out: &mut dyn Write,
    findings: &[Finding],
    format: Format,
    catalog: &Catalog<'_>,
) -> anyhow::Result<()> {
    match format {
        Format::Csv => palisade_report::write_csv(out, findings)?,
        Format::Ocsf => palisade_report::write_ocsf(out, findings, catalog)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, findings).context("writing findings as JSON")?;
            writeln!(out)?;
        }
        Format::Table => {
            if findings.is_empty() {
                writeln!(out, "No findings.")?;
                return Ok(());
            }
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
            table.set_header(["STATUS", "SEVERITY", "POLICY", "RESOURCE", "REGION", "LABEL", "MESSAGE"]);
            for f in findings {
                table.add_row([
                    f.status.as_str(),
                    f.severity.as_str(),
                    f.policy_id.as_str(),
                    f.resource_id.as_str(),
                    f.region.as_str(),
                    f.label.as_str(),
                    f.message.as_str(),
                ]);
            }
            writeln!(out, "{table}")?;
            let fail = findings.iter().filter(|f| f.status == palisade_model::FindingStatus::Fail).count();
            let error = findings.iter().filter(|f| f.status == palisade_model::FindingStatus::Error).count();
            writeln!(
                out,
                "{} findings: {} FAIL, {} PASS, {} ERROR",
                findings.len(),
                fail,
                findings.len() - fail - error,
                error
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

pub fn errors_table(errors: &[ScanError]) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["SERVICE", "REGION", "OPERATION", "KIND", "MESSAGE"]);
    for e in errors {
        table.add_row([
            e.service.as_str(),
            e.region.as_str(),
            e.operation.as_str(),
            e.kind.as_str(),
            e.message.as_str(),
        ]);
    }
    table.to_string()
}
