//! The overview: failing findings by severity, label and account (suppressed ones left out),
//! compliance per framework (computed as `palisade report` computes it), and the last scans.

use super::html::{ago, bar, duration, esc, href, status};
use super::{Nav, Page, UiResult, Viewer};
use crate::api::findings::matching;
use crate::api::with_store;
use crate::ServerState;
use axum::extract::State;
use axum::Extension;
use chrono::Utc;
use palisade_model::{FindingStatus, Severity};
use palisade_report::{Catalog, ComplianceReport};
use palisade_store::FindingFilter;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A framework's score: passing controls out of those that could be checked.
struct Score {
    title: String,
    version: String,
    pass: usize,
    fail: usize,
    error: usize,
    manual: usize,
    not_applicable: usize,
}

impl Score {
    fn checked(&self) -> usize {
        self.pass + self.fail + self.error
    }
    fn percent(&self) -> Option<i64> {
        (self.checked() > 0).then(|| (self.pass as f64 * 100.0 / self.checked() as f64).round() as i64)
    }
}

pub(crate) async fn page(State(state): State<ServerState>, Extension(viewer): Extension<Viewer>) -> UiResult {
    let pack = state.pack()?;
    let (findings, sources, scans, resources) = with_store(&state, |store| {
        let all = matching(store, &FindingFilter::default(), None)?;
        Ok((all, store.sources()?.len(), store.recent_scans(8)?, store.resource_count()?))
    })
    .await?;
    let now = Utc::now();

    // Compliance, exactly as `palisade report` computes it: every current finding counts.
    let plain: Vec<_> = findings.iter().map(|(f, _)| f.clone()).collect();
    let catalog = Catalog::new(pack.policies.iter().map(|p| p.metadata.as_ref()));
    let scores: Vec<Score> = pack
        .frameworks
        .iter()
        .map(|fw| {
            let s = ComplianceReport::build(fw, &catalog, &plain, now).summary;
            Score {
                title: fw.title.clone(),
                version: fw.version.clone(),
                pass: s.pass,
                fail: s.fail,
                error: s.error,
                manual: s.manual,
                not_applicable: s.not_applicable,
            }
        })
        .collect();

    let failing: Vec<_> =
        findings.iter().filter(|(f, s)| f.status == FindingStatus::Fail && s.is_none()).map(|(f, _)| f).collect();
    let suppressed = findings.iter().filter(|(f, s)| f.status == FindingStatus::Fail && s.is_some()).count();
    let mut by_severity: BTreeMap<Severity, i64> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
    let mut by_label: BTreeMap<&str, i64> = BTreeMap::new();
    let mut by_account: BTreeMap<&str, (i64, BTreeSet<&str>)> = BTreeMap::new();
    for f in &failing {
        *by_severity.entry(f.severity).or_default() += 1;
        *by_label.entry(f.label.as_str()).or_default() += 1;
        let a = by_account.entry(f.account_id.as_str()).or_default();
        a.0 += 1;
        if !f.label.is_empty() {
            a.1.insert(f.label.as_str());
        }
    }

    let mut h = String::from("<div class=\"page-head\"><h1>Overview</h1>");
    let last = scans.iter().map(|s| s.started_at).max();
    let _ = write!(
        h,
        "<p class=\"muted\">{sources} source{} · {resources} live resource{} · last scan {}</p></div>",
        if sources == 1 { "" } else { "s" },
        if resources == 1 { "" } else { "s" },
        last.map(|t| ago(t, now)).unwrap_or_else(|| "never".into())
    );
    if sources == 0 {
        h.push_str("<div class=\"empty\"><h2>No sources yet</h2><p>Add an AWS account to start scanning it.</p>");
        if viewer.admin {
            h.push_str("<p><a class=\"button primary\" href=\"/sources/new\">Add Account</a></p>");
        }
        h.push_str("</div>");
    }

    // Cards: the failing total, then one per severity, most severe first.
    h.push_str("<section aria-labelledby=\"failing-h\"><h2 id=\"failing-h\">Failing findings</h2><ul class=\"cards\">");
    let _ = write!(
        h,
        "<li class=\"card total\"><a href=\"{}\"><span class=\"n\">{}</span><span class=\"what\">failing</span></a></li>",
        href("/findings", &[("status", "FAIL"), ("suppressed", "false")]),
        failing.len()
    );
    for sev in Severity::ALL.iter().rev() {
        let n = by_severity.get(sev).copied().unwrap_or(0);
        let _ = write!(
            h,
            "<li class=\"card sev-{0}\"><a href=\"{1}\"><span class=\"n\">{n}</span><span class=\"what\">{2}</span></a></li>",
            sev.as_str().to_ascii_lowercase(),
            href("/findings", &[("status", "FAIL"), ("severity", sev.as_str()), ("suppressed", "false")]),
            esc(&sev.as_str().to_ascii_lowercase())
        );
    }
    h.push_str("</ul>");
    if suppressed > 0 {
        let _ = write!(
            h,
            "<p class=\"muted\">{suppressed} more failing finding{} suppressed (<a href=\"{}\">show</a>).</p>",
            if suppressed == 1 { " is" } else { "s are" },
            href("/findings", &[("status", "FAIL"), ("suppressed", "true")])
        );
    }
    h.push_str("</section>");

    h.push_str("<div class=\"grid2\">");
    // By label.
    let max = by_label.values().copied().max().unwrap_or(0);
    h.push_str("<section aria-labelledby=\"label-h\"><h2 id=\"label-h\">By label</h2>");
    if by_label.is_empty() {
        h.push_str("<p class=\"muted\">Nothing fails.</p>");
    } else {
        h.push_str("<table class=\"bars\"><thead><tr><th scope=\"col\">Label</th><th scope=\"col\" class=\"num\">Failing</th><th scope=\"col\"><span class=\"sr-only\">Share</span></th></tr></thead><tbody>");
        for (label, n) in &by_label {
            let shown = if label.is_empty() { "(none)" } else { label };
            let _ = write!(
                h,
                "<tr><th scope=\"row\"><a href=\"{}\">{}</a></th><td class=\"num\">{n}</td><td>{}</td></tr>",
                href("/findings", &[("status", "FAIL"), ("label", label), ("suppressed", "false")]),
                esc(shown),
                bar(*n, max, "fail")
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");
    // By account.
    let max = by_account.values().map(|(n, _)| *n).max().unwrap_or(0);
    h.push_str("<section aria-labelledby=\"account-h\"><h2 id=\"account-h\">By account</h2>");
    if by_account.is_empty() {
        h.push_str("<p class=\"muted\">Nothing fails.</p>");
    } else {
        h.push_str("<table class=\"bars\"><thead><tr><th scope=\"col\">Account</th><th scope=\"col\">Label</th><th scope=\"col\" class=\"num\">Failing</th><th scope=\"col\"><span class=\"sr-only\">Share</span></th></tr></thead><tbody>");
        for (account, (n, labels)) in &by_account {
            let labels: Vec<&str> = labels.iter().copied().collect();
            let _ = write!(
                h,
                "<tr><th scope=\"row\"><a href=\"{}\" class=\"mono\">{}</a></th><td>{}</td><td class=\"num\">{n}</td><td>{}</td></tr>",
                href("/findings", &[("status", "FAIL"), ("account_id", account), ("suppressed", "false")]),
                esc(account),
                esc(&labels.join(", ")),
                bar(*n, max, "fail")
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section></div>");

    // Compliance.
    h.push_str("<section aria-labelledby=\"compliance-h\"><h2 id=\"compliance-h\">Compliance</h2>");
    if scores.is_empty() {
        h.push_str("<p class=\"muted\">The policy pack has no compliance frameworks.</p>");
    }
    h.push_str("<ul class=\"frameworks\">");
    for s in &scores {
        let (pct, label) = match s.percent() {
            Some(p) => (p, format!("{p}%")),
            None => (0, "—".to_string()),
        };
        let _ = write!(
            h,
            "<li class=\"framework\"><div class=\"fw-title\">{} <span class=\"muted\">{}</span></div>\
             <div class=\"fw-score\"><span class=\"pct\">{label}</span>{}</div>\
             <div class=\"muted small\">{} of {} checked controls pass · {} fail{} · {} manual · {} not checked</div></li>",
            esc(&s.title),
            esc(&s.version),
            bar(pct, 100, "pass"),
            s.pass,
            s.checked(),
            s.fail,
            if s.error > 0 { format!(" · {} could not be evaluated", s.error) } else { String::new() },
            s.manual,
            s.not_applicable
        );
    }
    h.push_str("</ul><p class=\"muted small\">A control passes when every current finding of the policies mapped to it passes. For the full report: <code>palisade report --framework ID --format html</code>.</p></section>");

    // Last scans.
    h.push_str("<section aria-labelledby=\"scans-h\"><h2 id=\"scans-h\">Last scans</h2>");
    if scans.is_empty() {
        h.push_str("<p class=\"muted\">No scan has run yet.</p>");
    } else {
        h.push_str("<table><thead><tr><th scope=\"col\">Scan</th><th scope=\"col\">Source</th><th scope=\"col\">Kind</th><th scope=\"col\">Status</th><th scope=\"col\">Started</th><th scope=\"col\">Duration</th><th scope=\"col\" class=\"num\">Resources</th><th scope=\"col\" class=\"num\">Failing</th><th scope=\"col\" class=\"num\">Errors</th></tr></thead><tbody>");
        for s in &scans {
            let dur = s
                .finished_at
                .map(|f| duration((f - s.started_at).num_milliseconds() as f64 / 1000.0))
                .unwrap_or_else(|| "running".into());
            let _ = write!(
                h,
                "<tr><td><a href=\"/scans/{0}\">#{0}</a></td><td><a href=\"{1}\">{2}</a></td><td>{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td class=\"num\">{7}</td><td class=\"num\">{8}</td><td class=\"num\">{9}</td></tr>",
                s.id,
                href(&format!("/sources/{}", super::html::enc(&s.source)), &[]),
                esc(&s.source),
                s.kind.as_str(),
                status(crate::api::scans::status_str(s.status)),
                ago(s.started_at, now),
                esc(&dur),
                s.resources,
                s.failing,
                s.errors
            );
        }
        h.push_str("</tbody></table><p><a href=\"/scans\">All scans</a></p>");
    }
    h.push_str("</section>");
    Ok(Page { title: "Overview", nav: Nav::Overview, viewer: &viewer, notice: None, body: h }.render())
}
