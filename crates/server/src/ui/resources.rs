//! Resources: the list, filtered by type, account, label, region and status (live or deleted), a
//! page at a time; and one resource with its attributes, tags, findings and change history.

use super::findings::findings_table;
use super::html::{ago, esc, href, resource_href, select, time};
use super::{query, Nav, Page, UiError, UiResult, Viewer};
use crate::api::findings::matching;
use crate::api::with_store;
use crate::{ApiError, ServerState};
use axum::extract::{RawQuery, State};
use axum::Extension;
use chrono::Utc;
use palisade_store::{FindingFilter, ResourceFilter};
use std::fmt::Write;

const PAGE: usize = 50;

pub(crate) async fn list(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let q = query(raw);
    let get = |k: &str| q.get(k).cloned();
    let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let status = get("status").unwrap_or_else(|| "live".into());
    let deleted = match status.as_str() {
        "deleted" => Some(true),
        "all" => None,
        _ => Some(false),
    };
    let filter = ResourceFilter {
        resource_type: get("type"),
        account_id: get("account_id"),
        label: get("label"),
        region: get("region"),
        deleted,
    };
    let (rows, facets) =
        with_store(&state, move |store| Ok((store.list_resources(&filter, PAGE + 1, offset)?, store.facets()?)))
            .await?;
    let more = rows.len() > PAGE;
    let now = Utc::now();
    let mut h = String::from("<div class=\"page-head\"><h1>Resources</h1></div>");
    let _ = write!(
        h,
        "<form method=\"get\" action=\"/resources\" class=\"filters\" role=\"search\" aria-label=\"Filter resources\">{}{}{}{}\
         <div class=\"field\"><label for=\"f-status\">Status</label><select id=\"f-status\" name=\"status\">{}</select></div>\
         <div class=\"buttons\"><button type=\"submit\" class=\"primary\">Filter</button><a class=\"button\" href=\"/resources\">Reset</a></div></form>",
        select("type", "Type", "All types", &facets.resource_types, q.get("type").map(String::as_str)),
        select("account_id", "Account", "All accounts", &facets.account_ids, q.get("account_id").map(String::as_str)),
        select("label", "Label", "All labels", &facets.labels, q.get("label").map(String::as_str)),
        select("region", "Region", "All regions", &facets.regions, q.get("region").map(String::as_str)),
        [("live", "Live"), ("deleted", "Deleted"), ("all", "All")]
            .iter()
            .map(|(v, l)| format!("<option value=\"{v}\"{}>{l}</option>", if status == *v { " selected" } else { "" }))
            .collect::<String>()
    );
    let shown = rows.len().min(PAGE);
    if shown == 0 {
        h.push_str("<p class=\"empty\">No resource matches these filters.</p>");
    } else {
        let _ = write!(
            h,
            "<p class=\"muted\" id=\"result-count\">Showing {} to {}{}.</p>",
            offset + 1,
            offset + shown,
            if more { " (more on the next page)" } else { "" }
        );
        h.push_str(
            "<table id=\"resources\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Type</th><th scope=\"col\">Account</th>\
             <th scope=\"col\">Label</th><th scope=\"col\">Region</th><th scope=\"col\">Status</th><th scope=\"col\">Last seen</th></tr></thead><tbody>",
        );
        for r in rows.iter().take(PAGE) {
            let res = &r.resource;
            let name = if res.name.is_empty() { res.id.as_str() } else { res.name.as_str() };
            let _ = write!(
                h,
                "<tr><th scope=\"row\"><a href=\"{}\" title=\"{}\">{}</a></th><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td><span class=\"label\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                resource_href(res.id.as_str()),
                esc(res.id.as_str()),
                esc(name),
                esc(&res.resource_type),
                esc(res.account_id.as_str()),
                esc(&res.label),
                esc(res.region.as_str()),
                if r.deleted_at.is_some() { "<span class=\"chip off\">deleted</span>" } else { "<span class=\"chip on\">live</span>" },
                ago(r.last_seen, now)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str(&pager("/resources", &q, offset, PAGE, more));
    Ok(Page { title: "Resources", nav: Nav::Resources, viewer: &viewer, notice: None, body: h }.render())
}

/// Previous and next page links that keep the other parameters.
pub(crate) fn pager(
    path: &str,
    q: &std::collections::BTreeMap<String, String>,
    offset: usize,
    size: usize,
    more: bool,
) -> String {
    let link = |to: usize, text: &str, rel: &str| {
        let to = to.to_string();
        let mut pairs: Vec<(&str, &str)> =
            q.iter().filter(|(k, _)| *k != "offset" && *k != "notice").map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if to != "0" {
            pairs.push(("offset", &to));
        }
        format!("<a class=\"button\" rel=\"{rel}\" href=\"{}\">{text}</a>", href(path, &pairs))
    };
    let mut h = String::from("<nav class=\"pager\" aria-label=\"Pages\">");
    if offset > 0 {
        h.push_str(&link(offset.saturating_sub(size), "← Previous", "prev"));
    }
    if more {
        h.push_str(&link(offset + size, "Next →", "next"));
    }
    h.push_str("</nav>");
    h
}

pub(crate) async fn show(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let q = query(raw);
    let id = q
        .get("id")
        .cloned()
        .ok_or_else(|| UiError::from(ApiError::bad_request("Which resource? The address names none.")))?;
    let lookup = id.clone();
    let found = with_store(&state, move |store| {
        let Some(record) = store.resource_record(&lookup)? else { return Ok(None) };
        let filter = FindingFilter { resource_id: Some(lookup.clone()), ..FindingFilter::default() };
        let findings = matching(store, &filter, None)?;
        Ok(Some((record, findings, store.resource_history(&lookup)?)))
    })
    .await?;
    let (record, findings, history) =
        found.ok_or_else(|| UiError::from(ApiError::not_found("There is no resource with this id.")))?;
    let r = &record.resource;
    let now = Utc::now();
    let title = if r.name.is_empty() { r.id.as_str() } else { r.name.as_str() };
    let mut h = format!(
        "<div class=\"page-head\"><h1>{}</h1><p class=\"muted mono\">{}</p></div>",
        esc(title),
        esc(r.id.as_str())
    );
    let _ = write!(
        h,
        "<dl class=\"facts\"><dt>Type</dt><dd class=\"mono\">{}</dd><dt>Account</dt><dd class=\"mono\">{}</dd><dt>Source</dt><dd>{}</dd>\
         <dt>Label</dt><dd><span class=\"label\">{}</span></dd><dt>Region</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd>\
         <dt>First seen</dt><dd>{}</dd><dt>Last seen</dt><dd>{}</dd></dl>",
        esc(&r.resource_type),
        esc(r.account_id.as_str()),
        esc(&r.source),
        esc(&r.label),
        esc(r.region.as_str()),
        match record.deleted_at {
            Some(t) => format!("<span class=\"chip off\">deleted</span> {}", time(t)),
            None => "<span class=\"chip on\">live</span>".into(),
        },
        time(record.first_seen),
        ago(record.last_seen, now)
    );
    let failing =
        findings.iter().filter(|(f, s)| f.status == palisade_model::FindingStatus::Fail && s.is_none()).count();
    let _ = write!(
        h,
        "<section aria-labelledby=\"findings-h\"><h2 id=\"findings-h\">Findings <span class=\"count\">{} · {failing} failing</span></h2>",
        findings.len()
    );
    if findings.is_empty() {
        h.push_str("<p class=\"muted\">No policy applies to this resource, or it is deleted.</p>");
    } else {
        h.push_str(&findings_table(&findings, &viewer, false, now));
    }
    h.push_str("</section>");
    if !r.tags.is_empty() {
        h.push_str("<section aria-labelledby=\"tags-h\"><h2 id=\"tags-h\">Tags</h2><table class=\"kv\"><tbody>");
        for (k, v) in &r.tags {
            let _ = write!(h, "<tr><th scope=\"row\">{}</th><td>{}</td></tr>", esc(k), esc(v));
        }
        h.push_str("</tbody></table></section>");
    }
    let attributes = serde_json::to_string_pretty(&r.attributes).unwrap_or_default();
    let _ = write!(
        h,
        "<section aria-labelledby=\"attr-h\"><h2 id=\"attr-h\">Attributes</h2><pre class=\"json\" id=\"attributes\">{}</pre></section>",
        esc(&attributes)
    );
    let _ = write!(
        h,
        "<section aria-labelledby=\"hist-h\"><h2 id=\"hist-h\">Change history <span class=\"count\">{}</span></h2><ol class=\"history\" id=\"history\">",
        history.len()
    );
    for c in history.iter().rev() {
        let _ = write!(
            h,
            "<li><span class=\"chip change-{0}\">{0}</span> {1} by <a href=\"/scans/{2}\">scan #{2}</a>",
            esc(&c.change),
            time(c.changed_at),
            c.scan_id
        );
        if let Some(a) = &c.attributes {
            let _ = write!(
                h,
                "<details><summary>Attributes after this change</summary><pre class=\"json\">{}</pre></details>",
                esc(&serde_json::to_string_pretty(a).unwrap_or_default())
            );
        }
        h.push_str("</li>");
    }
    h.push_str("</ol></section>");
    Ok(Page { title, nav: Nav::Resources, viewer: &viewer, notice: None, body: h }.render())
}
