//! Scans: the runs (full scans and real-time rescans) with their duration and counts, and one
//! scan's errors.

use super::html::{ago, duration, enc, esc, status, time};
use super::{Nav, Page, UiError, UiResult, Viewer};
use crate::api::with_store;
use crate::{ApiError, ServerState};
use axum::extract::{Path, State};
use axum::Extension;
use chrono::{DateTime, Utc};
use palisade_store::ScanRun;
use std::fmt::Write;

fn took(r: &ScanRun) -> String {
    r.finished_at
        .map(|f| duration((f - r.started_at).num_milliseconds() as f64 / 1000.0))
        .unwrap_or_else(|| "running".into())
}

fn row(h: &mut String, r: &ScanRun, now: DateTime<Utc>) {
    let _ = write!(
        h,
        "<tr><td><a href=\"/scans/{0}\">#{0}</a></td><td><a href=\"/sources/{1}\">{2}</a></td><td class=\"mono\">{3}</td><td>{4}</td><td>{5}</td><td>{6}</td><td>{7}</td>\
         <td class=\"num\">{8}</td><td class=\"num\">{9}</td><td class=\"num\">{10}</td></tr>",
        r.id,
        esc(&enc(&r.source)),
        esc(&r.source),
        esc(&r.account_id),
        r.kind.as_str(),
        status(crate::api::scans::status_str(r.status)),
        ago(r.started_at, now),
        esc(&took(r)),
        r.resources,
        r.failing,
        if r.errors > 0 { format!("<a href=\"/scans/{}\">{}</a>", r.id, r.errors) } else { "0".into() }
    );
}

pub(crate) async fn list(State(state): State<ServerState>, Extension(viewer): Extension<Viewer>) -> UiResult {
    let scans = with_store(&state, |store| Ok(store.recent_scans(200)?)).await?;
    let now = Utc::now();
    let mut h = String::from("<div class=\"page-head\"><h1>Scans</h1></div>");
    if scans.is_empty() {
        h.push_str("<p class=\"empty\">No scan has run yet. <code>palisade serve</code> scans each source when it is added, then on its schedule.</p>");
    } else {
        let _ = write!(h, "<p class=\"muted\">The {} most recent scans, newest first.</p>", scans.len());
        h.push_str(
            "<table id=\"scans\"><thead><tr><th scope=\"col\">Scan</th><th scope=\"col\">Source</th><th scope=\"col\">Account</th><th scope=\"col\">Kind</th>\
             <th scope=\"col\">Status</th><th scope=\"col\">Started</th><th scope=\"col\">Duration</th><th scope=\"col\" class=\"num\">Resources</th>\
             <th scope=\"col\" class=\"num\">Failing</th><th scope=\"col\" class=\"num\">Errors</th></tr></thead><tbody>",
        );
        for r in &scans {
            row(&mut h, r, now);
        }
        h.push_str("</tbody></table>");
    }
    Ok(Page { title: "Scans", nav: Nav::Scans, viewer: &viewer, notice: None, body: h }.render())
}

pub(crate) async fn show(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
) -> UiResult {
    let id: i64 = id.parse().map_err(|_| UiError::from(ApiError::not_found("There is no scan with this id.")))?;
    let found = with_store(&state, move |store| {
        let Some(run) = store.scan(id)? else { return Ok(None) };
        Ok(Some((run, store.scan_errors(id)?)))
    })
    .await?;
    let (run, errors) = found.ok_or_else(|| UiError::from(ApiError::not_found("There is no scan with this id.")))?;
    let mut h = format!(
        "<div class=\"page-head\"><h1>Scan #{}</h1><p class=\"muted\"><a href=\"/scans\">Scans</a></p></div>",
        run.id
    );
    let _ = write!(
        h,
        "<dl class=\"facts\"><dt>Source</dt><dd><a href=\"/sources/{}\">{}</a></dd><dt>Account</dt><dd class=\"mono\">{}</dd><dt>Kind</dt><dd>{}</dd>\
         <dt>Status</dt><dd>{}</dd><dt>Regions</dt><dd>{}</dd><dt>Started</dt><dd>{}</dd><dt>Finished</dt><dd>{}</dd><dt>Duration</dt><dd>{}</dd>\
         <dt>Resources</dt><dd>{}</dd><dt>Evaluations</dt><dd>{}</dd><dt>Failing</dt><dd>{}</dd></dl>",
        esc(&enc(&run.source)),
        esc(&run.source),
        esc(&run.account_id),
        run.kind.as_str(),
        status(crate::api::scans::status_str(run.status)),
        if run.regions.is_empty() { "every enabled region".into() } else { esc(&run.regions.join(", ")) },
        time(run.started_at),
        run.finished_at.map(time).unwrap_or_else(|| "—".into()),
        esc(&took(&run)),
        run.resources,
        run.evaluations,
        run.failing
    );
    let _ = write!(h, "<section><h2>Errors <span class=\"count\">{}</span></h2>", errors.len());
    if errors.is_empty() {
        h.push_str("<p class=\"muted\">None: every call succeeded.</p>");
    } else {
        h.push_str("<p class=\"muted\">An error is reported and the scan goes on; resources in a scope with an error are never marked deleted.</p>");
        h.push_str("<table id=\"scan-errors\"><thead><tr><th scope=\"col\">Service</th><th scope=\"col\">Region</th><th scope=\"col\">Operation</th><th scope=\"col\">Kind</th><th scope=\"col\">Message</th></tr></thead><tbody>");
        for e in &errors {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.service),
                esc(&e.region),
                esc(&e.operation),
                esc(e.kind.as_str()),
                esc(&e.message)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>");
    Ok(Page { title: &format!("Scan #{}", run.id), nav: Nav::Scans, viewer: &viewer, notice: None, body: h }.render())
}
