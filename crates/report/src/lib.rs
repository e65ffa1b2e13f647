//! Reports built from findings and policy metadata: a compliance report per framework (table,
//! JSON and a self-contained HTML page), finding exports (CSV, and OCSF Detection Findings for
//! security-data pipelines), and the policy coverage document.
//!
//! This crate does no I/O besides writing to the `Write` it is given, and knows nothing of clouds,
//! stores or the policy engine: it reads plain `palisade-model` data (findings, `PolicyMetadata`,
//! `Framework`). Callers pass the clock (`generated_at`), so output is reproducible.

mod catalog;
mod compliance;
mod coverage;
mod error;
mod finding_csv;
mod html;
mod ocsf;
mod table;

pub use catalog::Catalog;
pub use compliance::{
    AccountCoverage, ComplianceReport, ControlResult, ControlStatus, FrameworkSummary, PolicySummary, ResourceResult,
    Results, Summary,
};
pub use coverage::write_coverage;
pub use error::ReportError;
pub use finding_csv::{write_csv, CSV_COLUMNS};
pub use ocsf::{write_ocsf, OCSF_VERSION};

use std::io::Write;

/// How a compliance report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Html,
}

/// Writes `report` in `format` to `out`.
pub fn write_report(out: &mut dyn Write, report: &ComplianceReport, format: ReportFormat) -> Result<(), ReportError> {
    match format {
        ReportFormat::Table => table::write(out, report),
        ReportFormat::Json => compliance::write_json(out, report),
        ReportFormat::Html => html::write(out, report),
    }
}

#[cfg(test)]
mod fixtures;
