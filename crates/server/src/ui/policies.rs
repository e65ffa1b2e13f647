//! Policies: pass/fail counts, enabling and disabling, and suppressions (a policy on the resources
//! whose id matches a glob, with a reason and an optional expiry).

use super::html::{esc, hidden, href, severity, time};
use super::session::form;
use super::{admin_only, query, Nav, Notice, Page, UiError, UiResult, Viewer};
use crate::api::policies::{known, set_enabled, views, PolicyView};
use crate::api::suppressions::{add, delete_by_id, NewSuppression, SuppressionView};
use crate::api::with_store;
use crate::{ApiError, ServerState};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Extension;
use chrono::{DateTime, NaiveDate, Utc};
use std::fmt::Write;

fn policy_href(id: &str) -> String {
    esc(&format!("/policies/{id}"))
}

/// The enable/disable button of a policy (admins only).
fn toggle(p: &PolicyView, viewer: &Viewer) -> String {
    if !viewer.admin {
        return String::new();
    }
    let (action, text) = if p.enabled { ("disable", "Disable") } else { ("enable", "Enable") };
    format!(
        "<form method=\"post\" action=\"{}/{action}\" class=\"inline-form\">{}<button type=\"submit\" class=\"small\" aria-label=\"{text} {}\">{text}</button></form>",
        policy_href(&p.id),
        viewer.csrf_field(),
        esc(&p.id)
    )
}

fn state_chip(p: &PolicyView) -> &'static str {
    if p.enabled {
        "<span class=\"chip on\">enabled</span>"
    } else {
        "<span class=\"chip off\">disabled</span>"
    }
}

fn count_link(p: &PolicyView, status: &str, n: i64) -> String {
    if n == 0 {
        return "<span class=\"muted\">0</span>".into();
    }
    format!("<a href=\"{}\">{n}</a>", href("/findings", &[("status", status), ("policy_id", &p.id)]))
}

pub(crate) async fn list(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let q = query(raw);
    let notice = q.get("notice").and_then(|k| Notice::from_key(k));
    let text = q.get("q").map(|s| s.to_lowercase()).unwrap_or_default();
    let only = q.get("state").cloned().unwrap_or_default();
    let all = views(&state).await?;
    let items: Vec<&PolicyView> = all
        .iter()
        .filter(|p| text.is_empty() || p.id.to_lowercase().contains(&text) || p.title.to_lowercase().contains(&text))
        .filter(|p| match only.as_str() {
            "enabled" => p.enabled,
            "disabled" => !p.enabled,
            _ => true,
        })
        .collect();
    let mut h = String::from(
        "<div class=\"page-head\"><h1>Policies</h1><a class=\"button\" href=\"/suppressions\">Suppressions</a></div>",
    );
    let _ = write!(
        h,
        "<form method=\"get\" action=\"/policies\" class=\"filters\" role=\"search\" aria-label=\"Filter policies\">\
         <div class=\"field\"><label for=\"f-q\">Search</label><input id=\"f-q\" name=\"q\" type=\"search\" value=\"{}\" placeholder=\"id or title\"></div>\
         <div class=\"field\"><label for=\"f-state\">State</label><select id=\"f-state\" name=\"state\">{}</select></div>\
         <div class=\"buttons\"><button type=\"submit\" class=\"primary\">Filter</button><a class=\"button\" href=\"/policies\">Reset</a></div></form>",
        esc(q.get("q").map(String::as_str).unwrap_or("")),
        [("", "All"), ("enabled", "Enabled"), ("disabled", "Disabled")]
            .iter()
            .map(|(v, l)| format!("<option value=\"{v}\"{}>{l}</option>", if only == *v { " selected" } else { "" }))
            .collect::<String>()
    );
    let _ = write!(h, "<p class=\"muted\">{} of {} policies.</p>", items.len(), all.len());
    h.push_str(
        "<table id=\"policies\"><thead><tr><th scope=\"col\">Policy</th><th scope=\"col\">Severity</th><th scope=\"col\">Resource types</th>\
         <th scope=\"col\" class=\"num\">Pass</th><th scope=\"col\" class=\"num\">Fail</th><th scope=\"col\" class=\"num\">Error</th><th scope=\"col\">State</th></tr></thead><tbody>",
    );
    for p in items {
        let _ = write!(
            h,
            "<tr data-policy=\"{}\"><th scope=\"row\"><a href=\"{}\">{}</a><div class=\"muted small mono\">{}</div></th><td>{}</td><td class=\"mono small\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"state\">{} {}</td></tr>",
            esc(&p.id),
            policy_href(&p.id),
            esc(&p.title),
            esc(&p.id),
            severity(p.severity),
            esc(&p.resource_types.join(", ")),
            count_link(p, "PASS", p.pass),
            count_link(p, "FAIL", p.fail),
            count_link(p, "ERROR", p.error),
            state_chip(p),
            toggle(p, &viewer)
        );
    }
    h.push_str("</tbody></table>");
    Ok(Page { title: "Policies", nav: Nav::Policies, viewer: &viewer, notice, body: h }.render())
}

pub(crate) async fn show(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let notice = query(raw).get("notice").and_then(|k| Notice::from_key(k));
    known(&state, &id).map_err(|_| UiError::from(ApiError::not_found("There is no policy with this id.")))?;
    let all = views(&state).await?;
    let p = all.iter().find(|p| p.id == id).ok_or_else(|| UiError::from(ApiError::internal()))?;
    let now = Utc::now();
    let policy = id.clone();
    let suppressions: Vec<SuppressionView> = with_store(&state, move |store| {
        Ok(store
            .suppressions()?
            .into_iter()
            .filter(|s| s.policy_id == policy)
            .map(|s| SuppressionView::new(s, now))
            .collect())
    })
    .await?;
    let mut h = format!(
        "<div class=\"page-head\"><h1>{}</h1><p class=\"muted\"><a href=\"/policies\">Policies</a> · <span class=\"mono\">{}</span></p></div>",
        esc(&p.title),
        esc(&p.id)
    );
    let _ = write!(
        h,
        "<dl class=\"facts\"><dt>Severity</dt><dd>{}</dd><dt>State</dt><dd class=\"state\">{} {}</dd><dt>Resource types</dt><dd class=\"mono\">{}</dd>\
         <dt>Current verdicts</dt><dd>{} pass · {} fail · {} error</dd></dl>",
        severity(p.severity),
        state_chip(p),
        toggle(p, &viewer),
        esc(&p.resource_types.join(", ")),
        count_link(p, "PASS", p.pass),
        count_link(p, "FAIL", p.fail),
        count_link(p, "ERROR", p.error)
    );
    let _ = write!(h, "<section><h2>Description</h2><p>{}</p></section>", esc(&p.description));
    if !p.remediation.is_empty() {
        let _ = write!(h, "<section><h2>Remediation</h2><p class=\"pre-line\">{}</p></section>", esc(&p.remediation));
    }
    if !p.compliance.is_empty() {
        h.push_str("<section><h2>Compliance</h2><ul>");
        for (fw, controls) in &p.compliance {
            let _ = write!(h, "<li><span class=\"mono\">{}</span>: {}</li>", esc(fw), esc(&controls.join(", ")));
        }
        h.push_str("</ul></section>");
    }
    if !p.references.is_empty() {
        h.push_str("<section><h2>References</h2><ul>");
        for r in &p.references {
            if r.starts_with("https://") {
                let _ = write!(h, "<li><a href=\"{0}\" rel=\"noopener noreferrer\">{0}</a></li>", esc(r));
            } else {
                let _ = write!(h, "<li>{}</li>", esc(r));
            }
        }
        h.push_str("</ul></section>");
    }
    h.push_str("<section><h2>Suppressions</h2>");
    h.push_str(&suppressions_table(&suppressions, &viewer, false));
    if viewer.admin {
        h.push_str("<h3>Suppress this policy</h3>");
        h.push_str(&suppress_fields(&viewer, &p.id, "", None));
    }
    h.push_str("</section>");
    Ok(Page { title: &p.title, nav: Nav::Policies, viewer: &viewer, notice, body: h }.render())
}

async fn toggle_to(state: ServerState, id: String, enabled: bool) -> UiResult {
    set_enabled(&state, id.clone(), enabled).await?;
    let notice = if enabled { "policy_enabled" } else { "policy_disabled" };
    Ok(Redirect::to(&format!("/policies/{id}?notice={notice}")).into_response())
}

pub(crate) async fn enable(State(state): State<ServerState>, Path(id): Path<String>) -> UiResult {
    toggle_to(state, id, true).await
}

pub(crate) async fn disable(State(state): State<ServerState>, Path(id): Path<String>) -> UiResult {
    toggle_to(state, id, false).await
}

fn suppressions_table(items: &[SuppressionView], viewer: &Viewer, with_policy: bool) -> String {
    if items.is_empty() {
        return "<p class=\"muted\">No suppression.</p>".into();
    }
    let mut h = String::from("<table id=\"suppressions\"><thead><tr>");
    if with_policy {
        h.push_str("<th scope=\"col\">Policy</th>");
    }
    h.push_str("<th scope=\"col\">Resources</th><th scope=\"col\">Reason</th><th scope=\"col\">Expires</th><th scope=\"col\">Created</th><th scope=\"col\"><span class=\"sr-only\">Actions</span></th></tr></thead><tbody>");
    for s in items {
        h.push_str("<tr>");
        if with_policy {
            let _ = write!(
                h,
                "<td><a href=\"{}\" class=\"mono\">{}</a></td>",
                policy_href(&s.policy_id),
                esc(&s.policy_id)
            );
        }
        let _ = write!(
            h,
            "<td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"actions\">",
            esc(&s.resource_pattern),
            esc(&s.reason),
            match (s.expires_at, s.active) {
                (None, _) => "never".to_string(),
                (Some(t), true) => time(t),
                (Some(t), false) => format!("<span class=\"chip off\">expired</span> {}", time(t)),
            },
            time(s.created_at)
        );
        if viewer.admin {
            let _ = write!(
                h,
                "<form method=\"post\" action=\"/suppressions/{}/delete\" class=\"inline-form\">{}<button type=\"submit\" class=\"small danger\">Remove</button></form>",
                s.id,
                viewer.csrf_field()
            );
        }
        h.push_str("</td></tr>");
    }
    h.push_str("</tbody></table>");
    h
}

/// The suppression form, for one policy, with the resource pattern filled in.
fn suppress_fields(viewer: &Viewer, policy_id: &str, pattern: &str, error: Option<&str>) -> String {
    let mut h = String::new();
    if let Some(e) = error {
        let _ = write!(h, "<div class=\"notice error\" role=\"alert\">{}</div>", esc(e));
    }
    let tomorrow = (Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let _ = write!(
        h,
        "<form method=\"post\" action=\"/suppressions\" class=\"stack narrow\" id=\"suppress-form\">{}{}\
         <div class=\"field\"><label for=\"resource_pattern\">Resources</label><input id=\"resource_pattern\" name=\"resource_pattern\" value=\"{}\" required class=\"mono\" placeholder=\"arn:aws:s3:::public-site-*\" aria-describedby=\"pattern-help\">\
         <p class=\"help\" id=\"pattern-help\">A resource id, or a pattern: <code>*</code> matches any run of characters, <code>?</code> one character (e.g. <code>arn:aws:s3:::public-site-*</code>).</p></div>\
         <div class=\"field\"><label for=\"reason\">Reason</label><textarea id=\"reason\" name=\"reason\" required rows=\"3\" aria-describedby=\"reason-help\"></textarea>\
         <p class=\"help\" id=\"reason-help\">Why the finding is accepted; kept with the suppression.</p></div>\
         <div class=\"field\"><label for=\"expires\">Expires (optional)</label><input id=\"expires\" name=\"expires\" type=\"date\" min=\"{tomorrow}\" aria-describedby=\"expires-help\">\
         <p class=\"help\" id=\"expires-help\">At midnight UTC of that day the finding counts again.</p></div>\
         <div class=\"buttons\"><button type=\"submit\" class=\"primary\">Suppress</button></div></form>",
        viewer.csrf_field(),
        hidden("policy_id", policy_id),
        esc(pattern)
    );
    h
}

pub(crate) async fn suppressions(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let notice = query(raw).get("notice").and_then(|k| Notice::from_key(k));
    let now = Utc::now();
    let items: Vec<SuppressionView> = with_store(&state, move |store| {
        Ok(store.suppressions()?.into_iter().map(|s| SuppressionView::new(s, now)).collect())
    })
    .await?;
    let mut h = String::from(
        "<div class=\"page-head\"><h1>Suppressions</h1><p class=\"muted\"><a href=\"/policies\">Policies</a></p></div>",
    );
    h.push_str("<p class=\"muted\">A suppressed finding is still listed, marked, but does not count as failing on the overview and is never remediated. Suppress a finding from the Findings page, or a whole pattern from a policy's page.</p>");
    h.push_str(&suppressions_table(&items, &viewer, true));
    Ok(Page { title: "Suppressions", nav: Nav::Policies, viewer: &viewer, notice, body: h }.render())
}

pub(crate) async fn suppress_form(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    admin_only(&viewer)?;
    let q = query(raw);
    let policy_id = q.get("policy_id").cloned().unwrap_or_default();
    let meta = known(&state, &policy_id)
        .map_err(|_| UiError::from(ApiError::not_found("There is no policy with this id.")))?;
    let resource = q.get("resource").cloned().unwrap_or_default();
    Ok(suppress_page(&viewer, &meta.title, &policy_id, &resource, None, StatusCode::OK))
}

fn suppress_page(
    viewer: &Viewer,
    title: &str,
    policy_id: &str,
    pattern: &str,
    error: Option<&str>,
    status: StatusCode,
) -> axum::response::Response {
    let mut h = format!(
        "<div class=\"page-head\"><h1>Suppress a finding</h1><p class=\"muted\">Policy <a href=\"{}\">{}</a> <span class=\"mono\">{}</span></p></div>",
        policy_href(policy_id),
        esc(title),
        esc(policy_id)
    );
    h.push_str(&suppress_fields(viewer, policy_id, pattern, error));
    let mut response = Page { title: "Suppress a finding", nav: Nav::Findings, viewer, notice: None, body: h }.render();
    *response.status_mut() = status;
    response
}

/// `2027-01-31` as that day's midnight UTC, or an RFC 3339 time; empty is no expiry.
fn expiry(text: &str) -> Result<Option<DateTime<Utc>>, ()> {
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| Some(t.and_utc())).ok_or(());
    }
    DateTime::parse_from_rfc3339(text).map(|t| Some(t.with_timezone(&Utc))).map_err(|_| ())
}

pub(crate) async fn suppress(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    body: Bytes,
) -> UiResult {
    let f = form(&body);
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let policy_id = get("policy_id");
    let meta = known(&state, &policy_id)
        .map_err(|_| UiError::from(ApiError::not_found("There is no policy with this id.")))?;
    let pattern = get("resource_pattern");
    let Ok(expires_at) = expiry(&get("expires")) else {
        return Ok(suppress_page(
            &viewer,
            &meta.title,
            &policy_id,
            &pattern,
            Some("The expiry must be a date."),
            StatusCode::BAD_REQUEST,
        ));
    };
    let new = NewSuppression {
        policy_id: policy_id.clone(),
        resource_pattern: pattern.clone(),
        reason: get("reason"),
        expires_at,
    };
    match add(&state, new).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/findings?notice=suppressed&status=any&policy_id={}",
            super::html::enc(&policy_id)
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            Ok(suppress_page(&viewer, &meta.title, &policy_id, &pattern, Some(&e.message), StatusCode::BAD_REQUEST))
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn unsuppress(State(state): State<ServerState>, Path(id): Path<String>) -> UiResult {
    delete_by_id(&state, &id).await?;
    Ok(Redirect::to("/suppressions?notice=suppression_removed").into_response())
}
