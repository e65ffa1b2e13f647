//! The compliance report as one self-contained HTML page for people: the summary first, then the
//! failing controls (most severe first) with their resources and remediation, then every control.
//!
//! Self-contained means no external resource of any kind (stylesheet, script, font, image): the
//! CSS is inline and the only links are to anchors in the page, so the file can be mailed or
//! archived and still read the same. Every value from findings or metadata is escaped.

use crate::error::write_err;
use crate::table::accounts_text;
use crate::{ComplianceReport, ControlResult, ControlStatus, ReportError, ResourceResult};
use chrono::SecondsFormat;
use palisade_model::Severity;
use std::fmt::Write as _;
use std::io::Write;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --pass: #1a7f37; --fail: #cf222e; --error: #bc4c00; --manual: #0969da; --na: #6e7781;
        --border: #d0d7de; --muted: #57606a; --bg-soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 2rem 1.5rem 4rem; color: #1f2328; line-height: 1.5;
       font: 15px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
h1 { font-size: 1.7rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 1rem; padding-bottom: .3rem; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.1rem; margin: 0 0 .25rem; }
h4 { font-size: 1rem; margin: 1.25rem 0 .25rem; }
code { font: .85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg-soft);
       padding: .1em .3em; border-radius: 4px; word-break: break-all; }
.meta, .muted { color: var(--muted); }
.headline { font-size: 1.15rem; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.card { flex: 1 1 9rem; border: 1px solid var(--border); border-top-width: 4px; border-radius: 6px; padding: .6rem .8rem; }
.card .n { font-size: 1.8rem; font-weight: 600; }
.card .what { font-size: .85rem; color: var(--muted); }
.bar { display: flex; height: .9rem; border-radius: 4px; overflow: hidden; background: var(--bg-soft); }
.bar span { display: block; height: 100%; }
.card.PASS { border-top-color: var(--pass); } .card.FAIL { border-top-color: var(--fail); }
.card.ERROR { border-top-color: var(--error); } .card.MANUAL { border-top-color: var(--manual); }
.card.NOT_APPLICABLE { border-top-color: var(--na); }
.bar .PASS { background: var(--pass); } .bar .FAIL { background: var(--fail); } .bar .ERROR { background: var(--error); }
.bar .MANUAL { background: var(--manual); } .bar .NOT_APPLICABLE { background: var(--na); }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: .05rem .45rem; border-radius: 1rem;
         color: #fff; vertical-align: middle; white-space: nowrap; }
.badge.PASS { background: var(--pass); } .badge.FAIL { background: var(--fail); } .badge.ERROR { background: var(--error); }
.badge.MANUAL { background: var(--manual); } .badge.NOT_APPLICABLE { background: var(--na); }
.badge.CRITICAL { background: #82071e; } .badge.HIGH { background: var(--fail); } .badge.MEDIUM { background: #9a6700; }
.badge.LOW { background: #0969da; } .badge.INFO { background: var(--na); }
.control { border: 1px solid var(--border); border-left: 4px solid var(--fail); border-radius: 6px;
           padding: 1rem 1.2rem; margin: 0 0 1.25rem; page-break-inside: avoid; }
.control.ERROR { border-left-color: var(--error); }
.remediation { background: var(--bg-soft); border-radius: 6px; padding: .6rem .8rem; white-space: pre-line; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid var(--border); }
th { background: var(--bg-soft); font-weight: 600; }
td.id { white-space: nowrap; }
a { color: var(--manual); text-decoration: none; }
footer { margin-top: 3rem; font-size: .85rem; color: var(--muted); }
@media print { body { padding: 0; } a { color: inherit; } }
"#;

pub(crate) fn write(out: &mut dyn Write, report: &ComplianceReport) -> Result<(), ReportError> {
    out.write_all(render(report).as_bytes()).and_then(|()| out.flush()).map_err(write_err("HTML"))
}

/// Writing to a `String` cannot fail, so the `fmt::Result`s below are ignored with `let _`.
fn render(report: &ComplianceReport) -> String {
    let f = &report.framework;
    let mut h = String::new();
    let name = format!("{} v{}", f.title, f.version);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} compliance report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&name)
    );
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">Compliance report generated {} for {}. Framework <code>{}</code>.</p>\n</header>\n",
        escape(&name),
        escape(&report.generated_at.to_rfc3339_opts(SecondsFormat::Secs, true)),
        escape(&accounts_text(report)),
        escape(&f.id),
    );
    summary(&mut h, report);
    failing(&mut h, report);
    errors(&mut h, report);
    all_controls(&mut h, report);
    let _ = write!(
        h,
        "<footer>Generated by Palisade {}. MANUAL controls are assessed by hand; NOT_APPLICABLE means no \
         current finding exists for the control's policies, so nothing was checked; FAIL means at least one \
         resource fails; ERROR means a policy could not be evaluated on some resource and none fails; PASS \
         means every evaluated resource passes.</footer>\n</body>\n</html>\n",
        escape(env!("CARGO_PKG_VERSION"))
    );
    h
}

const STATUSES: [(ControlStatus, &str); 5] = [
    (ControlStatus::Fail, "at least one resource fails"),
    (ControlStatus::Pass, "every checked resource passes"),
    (ControlStatus::Error, "could not be evaluated"),
    (ControlStatus::Manual, "assessed by hand"),
    (ControlStatus::NotApplicable, "nothing to check"),
];

fn count(report: &ComplianceReport, status: ControlStatus) -> usize {
    let s = &report.summary;
    match status {
        ControlStatus::Pass => s.pass,
        ControlStatus::Fail => s.fail,
        ControlStatus::Error => s.error,
        ControlStatus::Manual => s.manual,
        ControlStatus::NotApplicable => s.not_applicable,
    }
}

fn summary(h: &mut String, report: &ComplianceReport) {
    let s = &report.summary;
    let checked = s.pass + s.fail + s.error;
    h.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    let _ = if checked == 0 {
        writeln!(
            h,
            "<p class=\"headline\">No control of this framework could be checked: the store holds no findings \
             of the policies that back its controls.</p>"
        )
    } else {
        writeln!(
            h,
            "<p class=\"headline\"><strong>{} of {checked}</strong> checked controls pass; <strong>{}</strong> \
             fail. {} of the framework's {} controls are manual and {} had nothing to check.</p>",
            s.pass, s.fail, s.manual, s.controls, s.not_applicable
        )
    };
    h.push_str("<div class=\"cards\">\n");
    for (status, what) in STATUSES {
        let _ = writeln!(
            h,
            "<div class=\"card {0}\"><div class=\"n\">{1}</div><div>{0}</div><div class=\"what\">{what}</div></div>",
            status.as_str(),
            count(report, status)
        );
    }
    h.push_str("</div>\n<div class=\"bar\">");
    for (status, _) in STATUSES {
        let n = count(report, status);
        if n > 0 && s.controls > 0 {
            let percent = n as f64 * 100.0 / s.controls as f64;
            let _ = write!(
                h,
                "<span class=\"{0}\" style=\"width:{percent:.2}%\" title=\"{0}: {n}\"></span>",
                status.as_str()
            );
        }
    }
    h.push_str("</div>\n</section>\n");
}

fn failing(h: &mut String, report: &ComplianceReport) {
    let controls = report.failing_controls();
    let _ = writeln!(h, "<section id=\"failing\">\n<h2>Failing controls ({})</h2>", controls.len());
    if controls.is_empty() {
        h.push_str("<p>No control fails.</p>\n");
    }
    for c in controls {
        control_article(h, report, c, &c.failing_resources);
    }
    h.push_str("</section>\n");
}

fn errors(h: &mut String, report: &ComplianceReport) {
    let controls: Vec<_> = report.controls.iter().filter(|c| c.status == ControlStatus::Error).collect();
    if controls.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<section id=\"errors\">\n<h2>Controls that could not be evaluated ({})</h2>\n<p class=\"muted\">A policy \
         raised an error on these resources; fix or report the policy, then scan again.</p>",
        controls.len()
    );
    for c in controls {
        control_article(h, report, c, &c.error_resources);
    }
    h.push_str("</section>\n");
}

/// One control with its resources grouped by policy, each group under the policy's remediation.
fn control_article(h: &mut String, report: &ComplianceReport, c: &ControlResult, resources: &[ResourceResult]) {
    let _ = writeln!(
        h,
        "<article class=\"control {}\" id=\"control-{}\">\n<h3>{}{} {}</h3>\n<p class=\"muted\">{}</p>",
        c.status.as_str(),
        escape(&c.id),
        c.severity.map(severity_badge).unwrap_or_default(),
        escape(&c.id),
        escape(&c.title),
        escape(&c.section),
    );
    for policy_id in &c.policies {
        let of_policy: Vec<_> = resources.iter().filter(|r| &r.policy_id == policy_id).collect();
        if of_policy.is_empty() {
            continue;
        }
        let policy = report.policies.get(policy_id);
        let _ = writeln!(
            h,
            "<h4>{}{} <code>{}</code></h4>",
            policy.map(|p| severity_badge(p.severity)).unwrap_or_default(),
            escape(policy.map(|p| p.title.as_str()).unwrap_or_default()),
            escape(policy_id.as_str()),
        );
        if let Some(text) = policy.map(|p| p.remediation.trim()).filter(|t| !t.is_empty()) {
            let _ = writeln!(h, "<p class=\"remediation\"><strong>Remediation:</strong> {}</p>", escape(text));
        }
        h.push_str(
            "<table>\n<thead><tr><th>Resource</th><th>Type</th><th>Account</th><th>Region</th><th>Why</th></tr></thead>\n<tbody>\n",
        );
        for r in of_policy {
            let account =
                if r.label.is_empty() { r.account_id.to_string() } else { format!("{} ({})", r.account_id, r.label) };
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&r.resource_id),
                escape(&r.resource_type),
                escape(&account),
                escape(&r.region),
                escape(&r.message),
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</article>\n");
}

fn all_controls(h: &mut String, report: &ComplianceReport) {
    h.push_str("<section id=\"controls\">\n<h2>All controls</h2>\n");
    let mut section: Option<&str> = None;
    for c in &report.controls {
        if section != Some(c.section.as_str()) {
            if section.is_some() {
                h.push_str("</tbody>\n</table>\n");
            }
            section = Some(&c.section);
            let _ = writeln!(
                h,
                "<h3>{}</h3>\n<table>\n<thead><tr><th>Control</th><th>Title</th><th>Status</th><th>Policies</th>\
                 <th>Pass / fail / error</th></tr></thead>\n<tbody>",
                escape(&c.section)
            );
        }
        let id = match c.status {
            ControlStatus::Fail | ControlStatus::Error => {
                format!("<a href=\"#control-{0}\">{0}</a>", escape(&c.id))
            }
            _ => escape(&c.id),
        };
        let policies: Vec<_> = c.policies.iter().map(|p| format!("<code>{}</code>", escape(p.as_str()))).collect();
        let results = match c.status {
            ControlStatus::NotApplicable => String::new(),
            _ if c.policies.is_empty() => String::new(),
            _ => format!("{} / {} / {}", c.results.pass, c.results.fail, c.results.error),
        };
        let _ = writeln!(
            h,
            "<tr><td class=\"id\">{id}</td><td>{title}</td><td><span class=\"badge {status}\">{status}</span></td>\
             <td>{policies}</td><td>{results}</td></tr>",
            title = escape(&c.title),
            status = c.status.as_str(),
            policies = policies.join(" "),
        );
    }
    if section.is_some() {
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

fn severity_badge(s: Severity) -> String {
    format!("<span class=\"badge {0}\">{0}</span> ", s.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{finding, framework, now, policies};
    use crate::Catalog;
    use palisade_model::FindingStatus::{self, Error, Fail, Pass};

    fn check(findings: &[(&str, &str, FindingStatus)]) -> String {
        let findings: Vec<_> = findings.iter().map(|(p, r, s)| finding(p, r, *s)).collect();
        let metas = policies();
        render(&ComplianceReport::build(&framework(), &Catalog::new(&metas), &findings, now()))
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    #[test]
    fn summary_comes_first_then_failing_controls_with_resources_and_remediation() {
        let html = check(&[("Test.Bucket", "arn:aws:s3:::b<1>", Fail), ("Test.Sg", "sg-1", Pass)]);
        let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} missing:\n{html}"));
        assert!(at("id=\"summary\"") < at("id=\"failing\"") && at("id=\"failing\"") < at("id=\"controls\""));
        assert!(html.contains("<strong>2 of 3</strong> checked controls pass"), "{html}");
        // The failing resource, its message and the policy's remediation, all escaped.
        assert!(html.contains("<code>arn:aws:s3:::b&lt;1&gt;</code>"), "{html}");
        assert!(html.contains("arn:aws:s3:::b&lt;1&gt; is &lt;bad&gt; &amp; &quot;open&quot;"), "{html}");
        assert!(html.contains("<strong>Remediation:</strong> Turn on encryption."), "{html}");
        assert!(html.contains("for account 123456789012 (Prod)"), "{html}");
        assert!(!html.contains("<bad>"), "unescaped message:\n{html}");
    }

    #[test]
    fn is_self_contained() {
        let html = check(&[("Test.Bucket", "b", Fail), ("Test.Nacl", "acl", Error)]);
        for external in ["<script", "<link", "<img", "src=", "@import", "url(", "href=\"http", "href=\"//"] {
            assert!(!html.contains(external), "{external} in:\n{html}");
        }
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<style>") && html.ends_with("</html>\n"));
        // Policy references are URLs to elsewhere: the page does not carry them.
        assert!(!html.contains("docs.example.com"));
    }

    #[test]
    fn error_controls_get_their_own_section() {
        let html = check(&[("Test.Nacl", "acl-1", Error)]);
        assert!(html.contains("Controls that could not be evaluated (1)"), "{html}");
        assert!(html.contains("<p>No control fails.</p>"), "{html}");
        assert!(html.contains("Fix &lt;Test.Nacl&gt; &amp; retry."), "{html}");
    }

    #[test]
    fn no_findings_says_nothing_was_checked() {
        let html = check(&[]);
        assert!(html.contains("No control of this framework could be checked"), "{html}");
    }
}
