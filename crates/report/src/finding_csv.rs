//! Findings as CSV for spreadsheets: one row per finding, with the same fields, names and values
//! as the JSON output, so a column means the same thing in both, except that a cell a spreadsheet
//! would run as a formula is made text.

use crate::ReportError;
use chrono::{DateTime, SecondsFormat, Utc};
use palisade_model::{Compliance, Finding};
use std::borrow::Cow;
use std::io::Write;

/// The header row, in order. Matches the fields of the JSON findings output.
pub const CSV_COLUMNS: [&str; 15] = [
    "policy_id",
    "title",
    "severity",
    "status",
    "resource_id",
    "resource_type",
    "source",
    "account_id",
    "region",
    "label",
    "message",
    "compliance",
    "first_seen",
    "last_seen",
    "resolved_at",
];

/// Writes `findings` as CSV (RFC 4180 quoting) with a header row, even when there are none.
pub fn write_csv(out: &mut dyn Write, findings: &[Finding]) -> Result<(), ReportError> {
    let csv_err = |source| ReportError::Csv { source };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_COLUMNS).map_err(csv_err)?;
    for f in findings {
        let record = [
            f.policy_id.as_str(),
            &f.title,
            f.severity.as_str(),
            f.status.as_str(),
            f.resource_id.as_str(),
            &f.resource_type,
            &f.source,
            f.account_id.as_str(),
            f.region.as_str(),
            &f.label,
            &f.message,
            &compliance_text(&f.compliance),
            &timestamp(f.first_seen),
            &timestamp(f.last_seen),
            &f.resolved_at.map(timestamp).unwrap_or_default(),
        ];
        let cells = record.map(inert);
        w.write_record(cells.iter().map(|c| c.as_bytes())).map_err(csv_err)?;
    }
    w.flush().map_err(|source| ReportError::Write { format: "CSV", source })
}

/// `value` as text a spreadsheet will not evaluate. Resource names and messages come from the
/// scanned accounts (an IAM user may be named `=HYPERLINK(...)`), and spreadsheets run a cell
/// that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula: such a cell gets a
/// leading `'`, which spreadsheets show as text (OWASP's advice for CSV injection).
fn inert(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// `framework:control` pairs joined by `; ` (`cis-aws-foundations-3.0:5.2; cis-aws-foundations-3.0:5.3`):
/// one cell that still splits back into pairs.
fn compliance_text(compliance: &Compliance) -> String {
    let pairs: Vec<String> = compliance
        .iter()
        .flat_map(|(framework, controls)| controls.iter().map(move |c| format!("{framework}:{c}")))
        .collect();
    pairs.join("; ")
}

/// RFC 3339 in UTC, as in the JSON output.
fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::finding;
    use palisade_model::FindingStatus::{Fail, Pass};

    fn check(findings: &[Finding]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        write_csv(&mut out, findings).unwrap();
        let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(out.as_slice());
        r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect()
    }

    #[test]
    fn header_then_one_row_per_finding_with_json_values() {
        let mut resolved = finding("Test.Bucket", "b2", Pass);
        resolved.resolved_at = Some(resolved.last_seen);
        let rows = check(&[finding("Test.Bucket", "b1", Fail), resolved]);
        assert_eq!(rows[0], CSV_COLUMNS);
        assert_eq!(rows.len(), 3);
        let row: std::collections::BTreeMap<_, _> = CSV_COLUMNS.iter().zip(&rows[1]).collect();
        assert_eq!(row[&"status"], "FAIL");
        assert_eq!(row[&"severity"], "MEDIUM");
        // Commas and quotes survive quoting.
        assert_eq!(row[&"message"], "b1 is <bad> & \"open\"");
        assert_eq!(row[&"compliance"], "test-fw-1.0:2.1");
        assert_eq!(row[&"first_seen"], "2024-06-01T00:00:00Z");
        assert_eq!(row[&"resolved_at"], "");
        assert_eq!(rows[2][14], "2024-06-01T00:00:00Z");
        // Timestamps are formatted as the JSON output formats them.
        let json = serde_json::to_value(finding("Test.Bucket", "b1", Fail)).unwrap();
        assert_eq!(json["first_seen"], row[&"first_seen"].as_str());
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_text() {
        let mut hostile = finding("Test.Bucket", "=HYPERLINK(\"http://x\")", Fail);
        hostile.message = "@SUM(1)".into();
        let rows = check(&[hostile]);
        let row: std::collections::BTreeMap<_, _> = CSV_COLUMNS.iter().zip(&rows[1]).collect();
        assert_eq!(row[&"resource_id"], "'=HYPERLINK(\"http://x\")");
        assert_eq!(row[&"message"], "'@SUM(1)");
        assert_eq!(row[&"status"], "FAIL", "other cells are as they were");
        for bad in ["+1", "-1", "\tx", "\rx"] {
            assert!(inert(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(inert("arn:aws:s3:::b"), "arn:aws:s3:::b");
    }

    #[test]
    fn no_findings_is_just_the_header() {
        assert_eq!(check(&[]), vec![CSV_COLUMNS.map(String::from).to_vec()]);
    }
}
