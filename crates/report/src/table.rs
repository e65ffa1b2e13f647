//! The compliance report as a terminal table: a heading, one row per control, and the counts.

use crate::error::write_err;
use crate::{ComplianceReport, ControlResult, ControlStatus, ReportError};
use chrono::SecondsFormat;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use std::io::Write;

/// Failing resources listed per row before the rest are only counted, so one noisy control does
/// not push the others off the screen.
const RESOURCES_PER_ROW: usize = 3;

pub(crate) fn write(out: &mut dyn Write, report: &ComplianceReport) -> Result<(), ReportError> {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["CONTROL", "STATUS", "TITLE", "POLICIES", "FAILING RESOURCES"]);
    for c in &report.controls {
        let policies: Vec<_> = c.policies.iter().map(|p| p.as_str()).collect();
        table.add_row([c.id.as_str(), c.status.as_str(), &c.title, &policies.join("\n"), &resources_cell(c)]);
    }
    let f = &report.framework;
    let s = &report.summary;
    let text = format!(
        "{} v{} ({})\nGenerated {} for {}\n{table}\n{} controls: {} PASS, {} FAIL, {} ERROR, {} MANUAL, {} NOT_APPLICABLE\n",
        f.title,
        f.version,
        f.id,
        report.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        accounts_text(report),
        s.controls,
        s.pass,
        s.fail,
        s.error,
        s.manual,
        s.not_applicable,
    );
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(write_err("table"))
}

fn resources_cell(c: &ControlResult) -> String {
    let mut lines: Vec<String> =
        c.failing_resources.iter().take(RESOURCES_PER_ROW).map(|r| r.resource_id.clone()).collect();
    if c.failing_resources.len() > RESOURCES_PER_ROW {
        lines.push(format!("… and {} more", c.failing_resources.len() - RESOURCES_PER_ROW));
    }
    if c.status == ControlStatus::Error {
        lines.push(format!("{} could not be evaluated", c.error_resources.len()));
    }
    lines.join("\n")
}

/// `123456789012 (Prod), 210987654321`, or a note that nothing was found.
pub(crate) fn accounts_text(report: &ComplianceReport) -> String {
    if report.accounts.is_empty() {
        return "no accounts (the store holds no findings)".into();
    }
    let accounts: Vec<_> = report
        .accounts
        .iter()
        .map(|a| match a.labels.is_empty() {
            true => a.account_id.to_string(),
            false => format!("{} ({})", a.account_id, a.labels.join(", ")),
        })
        .collect();
    format!("account{} {}", if accounts.len() == 1 { "" } else { "s" }, accounts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{finding, framework, now, policies};
    use crate::Catalog;
    use palisade_model::FindingStatus::{Error, Fail, Pass};

    fn check(findings: &[(&str, &str, palisade_model::FindingStatus)]) -> String {
        let findings: Vec<_> = findings.iter().map(|(p, r, s)| finding(p, r, *s)).collect();
        let metas = policies();
        let report = ComplianceReport::build(&framework(), &Catalog::new(&metas), &findings, now());
        let mut out = Vec::new();
        write(&mut out, &report).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn shows_heading_rows_and_counts() {
        let text = check(&[("Test.Bucket", "b1", Fail), ("Test.Sg", "sg1", Pass), ("Test.Nacl", "acl", Error)]);
        assert!(
            text.starts_with(
                "Test Benchmark v1.0.0 (test-fw-1.0)\nGenerated 2024-06-01T00:00:00Z for account 123456789012 (Prod)\n"
            ),
            "{text}"
        );
        for needle in ["│ 2.1 ", "FAIL", "b1", "MANUAL", "Test.Bucket", "1 could not be evaluated"] {
            assert!(text.contains(needle), "{needle} missing:\n{text}");
        }
        assert!(text.ends_with("4 controls: 1 PASS, 1 FAIL, 1 ERROR, 1 MANUAL, 0 NOT_APPLICABLE\n"), "{text}");
    }

    #[test]
    fn long_resource_lists_are_counted() {
        let findings: Vec<_> = ["b1", "b2", "b3", "b4", "b5"].map(|b| ("Test.Bucket", b, Fail)).to_vec();
        let text = check(&findings);
        assert!(text.contains("b3") && !text.contains("b4") && text.contains("… and 2 more"), "{text}");
    }

    #[test]
    fn no_findings_says_so() {
        assert!(check(&[]).contains("for no accounts (the store holds no findings)"));
    }
}
