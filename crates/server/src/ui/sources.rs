//! Sources: the list (label, account, last scan, status) and one source's page, whose scan status
//! refreshes itself while its baseline scan is waiting or running.

use super::html::{ago, enc, esc, href, status, time};
use super::{query, Nav, Notice, Page, UiError, UiResult, Viewer};
use crate::api::with_store;
use crate::{ApiError, ServerState};
use axum::extract::{Path, RawQuery, State};
use axum::Extension;
use chrono::{DateTime, Utc};
use palisade_model::Source;
use palisade_store::{ScanRun, ScanStatus};
use std::fmt::Write;

fn source_href(name: &str) -> String {
    esc(&format!("/sources/{}", enc(name).replace('+', "%20")))
}

/// What a source's last scan says, as a short badge.
fn last_scan_badge(last: Option<&ScanRun>, now: DateTime<Utc>) -> String {
    match last {
        None => "<span class=\"badge st-pending\">waiting</span>".to_string(),
        Some(r) => format!("{} {}", status(crate::api::scans::status_str(r.status)), ago(r.started_at, now)),
    }
}

pub(crate) async fn list(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let notice = query(raw).get("notice").and_then(|k| Notice::from_key(k));
    let (sources, last) = with_store(&state, |store| Ok((store.sources()?, store.last_scans_by_source()?))).await?;
    let now = Utc::now();
    let mut h = String::from("<div class=\"page-head\"><h1>Sources</h1>");
    if viewer.admin {
        h.push_str("<a class=\"button primary\" href=\"/sources/new\">Add Account</a>");
    }
    h.push_str("</div>");
    if sources.is_empty() {
        h.push_str("<div class=\"empty\"><p>No source yet. A source is an AWS account Palisade scans through a read-only role.</p></div>");
    } else {
        h.push_str(
            "<table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Label</th><th scope=\"col\">Account ID</th>\
             <th scope=\"col\">Last scan</th><th scope=\"col\">Status</th><th scope=\"col\">Next run</th></tr></thead><tbody>",
        );
        for s in &sources {
            let run = last.get(&s.name);
            let _ = write!(
                h,
                "<tr><th scope=\"row\"><a href=\"{}\">{}</a></th><td><span class=\"label\">{}</span></td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                source_href(&s.name),
                esc(&s.name),
                esc(&s.label),
                esc(s.account_id.as_str()),
                last_scan_badge(run, now),
                chips(s),
                s.next_run_at.map(time).unwrap_or_else(|| "at the next tick".into())
            );
        }
        h.push_str("</tbody></table>");
    }
    Ok(Page { title: "Sources", nav: Nav::Sources, viewer: &viewer, notice, body: h }.render())
}

fn chips(s: &Source) -> String {
    let mut h = String::new();
    h.push_str(if s.enabled {
        "<span class=\"chip on\">enabled</span>"
    } else {
        "<span class=\"chip off\">disabled</span>"
    });
    if s.realtime {
        h.push_str(" <span class=\"chip\">real-time</span>");
    }
    if s.remediation {
        h.push_str(" <span class=\"chip\">remediation</span>");
    }
    h
}

/// The scan status block of a source's page; it asks to be refreshed until a scan has ended.
fn scan_status(source: &Source, run: Option<&ScanRun>, now: DateTime<Utc>) -> String {
    let (text, done) = match run {
        None if source.enabled => (
            "<strong>Baseline scan pending.</strong> The scheduler starts it within one tick.".to_string(),
            false,
        ),
        None => ("<strong>Not scanned.</strong> The source is disabled.".to_string(), true),
        Some(r) if r.status == ScanStatus::Running => (
            format!("<strong>Scan #{} running</strong> since {}.", r.id, ago(r.started_at, now)),
            false,
        ),
        Some(r) => (
            format!(
                "<strong>Last scan <a href=\"/scans/{0}\">#{0}</a> {1}</strong> {2}: {3} resources, {4} failing, {5} error{6}.",
                r.id,
                esc(crate::api::scans::status_str(r.status)),
                ago(r.started_at, now),
                r.resources,
                r.failing,
                r.errors,
                if r.errors == 1 { "" } else { "s" }
            ),
            true,
        ),
    };
    let state = run.map(|r| crate::api::scans::status_str(r.status)).unwrap_or("pending");
    format!(
        "<div id=\"scan-status\" class=\"scan-status st-{state}\" role=\"status\" aria-live=\"polite\" data-state=\"{state}\"{}>{text}</div>",
        if done { " data-done" } else { " data-refresh=\"2\"" }
    )
}

pub(crate) async fn show(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let notice = query(raw).get("notice").and_then(|k| Notice::from_key(k));
    let lookup = name.clone();
    let found = with_store(&state, move |store| {
        let last = store.last_scans_by_source()?;
        Ok(store.source(&lookup)?.map(|s| {
            let run = last.get(&s.name).cloned();
            (s, run)
        }))
    })
    .await?;
    let (source, run) =
        found.ok_or_else(|| UiError::from(ApiError::not_found("There is no source with this name.")))?;
    let now = Utc::now();
    let mut h = format!(
        "<div class=\"page-head\"><h1>{}</h1><p class=\"muted\"><a href=\"/sources\">Sources</a></p></div>",
        esc(&source.name)
    );
    h.push_str(&scan_status(&source, run.as_ref(), now));
    let regions: Vec<String> = source.regions.iter().map(|r| r.to_string()).collect();
    let _ = write!(
        h,
        "<dl class=\"facts\"><dt>Account ID</dt><dd class=\"mono\">{}</dd><dt>Label</dt><dd><span class=\"label\">{}</span></dd>\
         <dt>Role</dt><dd class=\"mono\">{}</dd><dt>External ID</dt><dd>{}</dd><dt>Regions</dt><dd>{}</dd>\
         <dt>Schedule</dt><dd class=\"mono\">{}</dd><dt>Next run</dt><dd>{}</dd><dt>Options</dt><dd>{}</dd><dt>Added</dt><dd>{}</dd></dl>",
        esc(source.account_id.as_str()),
        esc(&source.label),
        esc(source.role_arn.as_deref().unwrap_or("the ambient credentials")),
        if source.external_id.is_some() { "set (shown only when the source was added)" } else { "none" },
        if regions.is_empty() { "every enabled region".to_string() } else { esc(&regions.join(", ")) },
        esc(&source.schedule),
        source.next_run_at.map(time).unwrap_or_else(|| "at the next tick".into()),
        chips(&source),
        time(source.created_at)
    );
    let _ = write!(
        h,
        "<p class=\"actions\"><a class=\"button\" href=\"{}\">Resources</a> <a class=\"button\" href=\"{}\">Failing findings</a></p>",
        href("/resources", &[("account_id", source.account_id.as_str())]),
        href("/findings", &[("status", "FAIL"), ("account_id", source.account_id.as_str())])
    );
    Ok(Page { title: &source.name, nav: Nav::Sources, viewer: &viewer, notice, body: h }.render())
}
