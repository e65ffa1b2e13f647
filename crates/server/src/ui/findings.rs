//! Findings: filter (status, severity, policy, account, label, type, suppressed), sort by any
//! column, page, export the same selection as CSV, and suppress a finding.

use super::html::{ago, esc, href, resource_href, select, severity, status};
use super::resources::pager;
use super::{query, Nav, Notice, Page, UiResult, Viewer};
use crate::api::findings::{csv_response, matching, severity as parse_severity};
use crate::api::with_store;
use crate::{ApiError, ServerState};
use axum::extract::{RawQuery, State};
use axum::Extension;
use chrono::{DateTime, Utc};
use palisade_model::{Finding, FindingStatus, Severity};
use palisade_store::{FindingFilter, Suppression};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write;

const PAGE: usize = 100;

/// The sortable columns: query value, header text.
const COLUMNS: &[(&str, &str)] = &[
    ("severity", "Severity"),
    ("status", "Status"),
    ("policy", "Policy"),
    ("resource", "Resource"),
    ("account", "Account"),
    ("region", "Region"),
    ("first_seen", "Since"),
];

/// The selection a page's query asks for.
struct Selection {
    filter: FindingFilter,
    suppressed: Option<bool>,
    sort: String,
    descending: bool,
}

fn selection(q: &BTreeMap<String, String>) -> Result<Selection, ApiError> {
    let statuses = match q.get("status").map(String::as_str) {
        None => vec![FindingStatus::Fail],
        Some("any") => Vec::new(),
        Some(s) => vec![s.parse::<FindingStatus>().map_err(ApiError::bad_request)?],
    };
    let min_severity = q.get("min_severity").map(|s| parse_severity(s)).transpose().map_err(ApiError::bad_request)?;
    let severities = q.get("severity").map(|s| parse_severity(s)).transpose().map_err(ApiError::bad_request)?;
    let suppressed = match q.get("suppressed").map(String::as_str) {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    let sort =
        q.get("sort").filter(|s| COLUMNS.iter().any(|(c, _)| c == s)).cloned().unwrap_or_else(|| "severity".into());
    let descending = match q.get("dir").map(String::as_str) {
        Some("asc") => false,
        Some("desc") => true,
        // Severity and age read best most-severe and oldest first.
        _ => sort == "severity",
    };
    Ok(Selection {
        filter: FindingFilter {
            statuses,
            severities: severities.into_iter().collect(),
            min_severity,
            policy_id: q.get("policy_id").cloned(),
            account_id: q.get("account_id").cloned(),
            label: q.get("label").cloned(),
            resource_type: q.get("resource_type").cloned(),
            ..FindingFilter::default()
        },
        suppressed,
        sort,
        descending,
    })
}

fn sort(rows: &mut [(Finding, Option<Suppression>)], column: &str, descending: bool) {
    let key = |a: &Finding, b: &Finding| -> Ordering {
        match column {
            "status" => a.status.as_str().cmp(b.status.as_str()),
            "policy" => a.policy_id.as_str().cmp(b.policy_id.as_str()),
            "resource" => a.resource_id.as_str().cmp(b.resource_id.as_str()),
            "account" => a.account_id.as_str().cmp(b.account_id.as_str()),
            "region" => a.region.as_str().cmp(b.region.as_str()),
            "first_seen" => a.first_seen.cmp(&b.first_seen),
            _ => a.severity.cmp(&b.severity),
        }
    };
    // Ties in a stable order: the store's (severity, status, policy, resource).
    rows.sort_by(|(a, _), (b, _)| {
        let o = key(a, b);
        if descending {
            o.reverse()
        } else {
            o
        }
    });
}

async fn load(
    state: &ServerState,
    q: &BTreeMap<String, String>,
) -> Result<Vec<(Finding, Option<Suppression>)>, ApiError> {
    let sel = selection(q)?;
    let (filter, suppressed) = (sel.filter.clone(), sel.suppressed);
    let mut rows = with_store(state, move |store| Ok(matching(store, &filter, suppressed)?)).await?;
    sort(&mut rows, &sel.sort, sel.descending);
    Ok(rows)
}

/// The findings table of the findings page and of a resource's page.
pub(crate) fn findings_table(
    rows: &[(Finding, Option<Suppression>)],
    viewer: &Viewer,
    with_resource: bool,
    now: DateTime<Utc>,
) -> String {
    findings_table_sorted(rows, viewer, with_resource, now, None)
}

/// The header cell of a sortable column: a link that sorts by it (or flips the order).
fn header(column: &str, text: &str, q: &BTreeMap<String, String>, current: &str, descending: bool) -> String {
    let active = column == current;
    // A click on the sorted column flips it; another column starts in its natural order
    // (severity most severe first, the rest ascending).
    let next_dir = match (active, descending) {
        (true, true) => "asc",
        (true, false) => "desc",
        (false, _) if column == "severity" => "desc",
        (false, _) => "asc",
    };
    let mut pairs: Vec<(&str, &str)> = q
        .iter()
        .filter(|(k, _)| !["sort", "dir", "offset", "notice"].contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.push(("sort", column));
    pairs.push(("dir", next_dir));
    let aria = if active {
        if descending {
            " aria-sort=\"descending\""
        } else {
            " aria-sort=\"ascending\""
        }
    } else {
        ""
    };
    let arrow = if active {
        if descending {
            " ▼"
        } else {
            " ▲"
        }
    } else {
        ""
    };
    format!(
        "<th scope=\"col\"{aria}><a href=\"{}\" data-sort=\"{column}\">{text}{arrow}</a></th>",
        href("/findings", &pairs)
    )
}

fn findings_table_sorted(
    rows: &[(Finding, Option<Suppression>)],
    viewer: &Viewer,
    with_resource: bool,
    now: DateTime<Utc>,
    sorting: Option<(&BTreeMap<String, String>, &str, bool)>,
) -> String {
    let mut h = String::from("<table class=\"findings\" id=\"findings\"><thead><tr>");
    for (column, text) in COLUMNS {
        if !with_resource && matches!(*column, "resource" | "account" | "region") {
            continue;
        }
        match sorting {
            Some((q, current, desc)) => h.push_str(&header(column, text, q, current, desc)),
            None => {
                let _ = write!(h, "<th scope=\"col\">{text}</th>");
            }
        }
    }
    h.push_str("<th scope=\"col\">Message</th><th scope=\"col\"><span class=\"sr-only\">Actions</span></th></tr></thead><tbody>");
    for (f, s) in rows {
        let suppressed = s.is_some();
        let _ = write!(
            h,
            "<tr data-policy=\"{}\" data-resource=\"{}\"{}><td>{}</td><td>{}{}</td><td><a href=\"{}\">{}</a><div class=\"muted small mono\">{}</div></td>",
            esc(f.policy_id.as_str()),
            esc(f.resource_id.as_str()),
            if suppressed { " class=\"suppressed\"" } else { "" },
            severity(f.severity.as_str()),
            status(f.status.as_str()),
            s.as_ref()
                .map(|s| format!(" <span class=\"badge st-suppressed\" title=\"{}\">suppressed</span>", esc(&s.reason)))
                .unwrap_or_default(),
            esc(&format!("/policies/{}", f.policy_id.as_str())),
            esc(&f.title),
            esc(f.policy_id.as_str())
        );
        if with_resource {
            let _ = write!(
                h,
                "<td><a href=\"{}\" class=\"mono\">{}</a><div class=\"muted small\">{} · <span class=\"label\">{}</span></div></td><td class=\"mono nowrap\">{}</td><td class=\"nowrap\">{}</td>",
                resource_href(f.resource_id.as_str()),
                esc(f.resource_id.as_str()),
                esc(&f.resource_type),
                esc(&f.label),
                esc(f.account_id.as_str()),
                esc(f.region.as_str())
            );
        }
        let _ = write!(h, "<td>{}</td><td>{}</td><td class=\"actions\">", ago(f.first_seen, now), esc(&f.message));
        if viewer.admin && !suppressed && f.status != FindingStatus::Pass {
            let _ = write!(
                h,
                "<a class=\"button small\" href=\"{}\" aria-label=\"Suppress {} on {}\">Suppress</a>",
                href("/suppressions/new", &[("policy_id", f.policy_id.as_str()), ("resource", f.resource_id.as_str())]),
                esc(&f.title),
                esc(f.resource_id.as_str())
            );
        }
        h.push_str("</td></tr>");
    }
    h.push_str("</tbody></table>");
    h
}

pub(crate) async fn list(
    State(state): State<ServerState>,
    Extension(viewer): Extension<Viewer>,
    RawQuery(raw): RawQuery,
) -> UiResult {
    let q = query(raw);
    let notice = q.get("notice").and_then(|k| Notice::from_key(k));
    let offset: usize = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let sel = selection(&q)?;
    let rows = load(&state, &q).await?;
    let (facets, pack) = (with_store(&state, |store| Ok(store.facets()?)).await?, state.pack()?);
    let policies: Vec<String> = pack.policies.iter().map(|p| p.metadata.id.to_string()).collect();
    let now = Utc::now();

    let mut h = String::from("<div class=\"page-head\"><h1>Findings</h1>");
    let export: Vec<(&str, &str)> = q
        .iter()
        .filter(|(k, _)| !["offset", "notice"].contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let _ = write!(
        h,
        "<a class=\"button\" id=\"export-csv\" href=\"{}\" download>Export CSV</a></div>",
        href("/findings.csv", &export)
    );
    let status_value = q.get("status").map(String::as_str).unwrap_or("FAIL");
    let options = |pairs: &[(&str, &str)], current: &str| -> String {
        pairs
            .iter()
            .map(|(v, l)| format!("<option value=\"{v}\"{}>{l}</option>", if *v == current { " selected" } else { "" }))
            .collect()
    };
    let severities: Vec<(&str, &str)> = Severity::ALL.iter().rev().map(|s| (s.as_str(), s.as_str())).collect();
    let _ = write!(
        h,
        "<form method=\"get\" action=\"/findings\" class=\"filters\" role=\"search\" aria-label=\"Filter findings\">\
         <div class=\"field\"><label for=\"f-status\">Status</label><select id=\"f-status\" name=\"status\">{}</select></div>\
         <div class=\"field\"><label for=\"f-min_severity\">Severity at least</label><select id=\"f-min_severity\" name=\"min_severity\"><option value=\"\">Any severity</option>{}</select></div>\
         {}{}{}{}\
         <div class=\"field\"><label for=\"f-suppressed\">Suppressed</label><select id=\"f-suppressed\" name=\"suppressed\">{}</select></div>\
         {}<div class=\"buttons\"><button type=\"submit\" class=\"primary\">Filter</button><a class=\"button\" href=\"/findings\">Reset</a></div></form>",
        options(&[("FAIL", "Failing"), ("PASS", "Passing"), ("ERROR", "Error"), ("any", "Any status")], status_value),
        options(&severities, q.get("min_severity").map(String::as_str).unwrap_or("")),
        select("policy_id", "Policy", "All policies", &policies, q.get("policy_id").map(String::as_str)),
        select("account_id", "Account", "All accounts", &facets.account_ids, q.get("account_id").map(String::as_str)),
        select("label", "Label", "All labels", &facets.labels, q.get("label").map(String::as_str)),
        select("resource_type", "Type", "All types", &facets.resource_types, q.get("resource_type").map(String::as_str)),
        options(&[("", "Shown and marked"), ("false", "Hidden"), ("true", "Only suppressed")], q.get("suppressed").map(String::as_str).unwrap_or("")),
        ["sort", "dir", "severity"]
            .iter()
            .filter_map(|k| q.get(*k).map(|v| super::html::hidden(k, v)))
            .collect::<String>()
    );
    let total = rows.len();
    let page: Vec<_> = rows.into_iter().skip(offset).take(PAGE).collect();
    if page.is_empty() {
        h.push_str("<p class=\"empty\" id=\"result-count\">No finding matches these filters.</p>");
    } else {
        let _ = write!(
            h,
            "<p class=\"muted\" id=\"result-count\">{total} finding{} · showing {} to {}.</p>",
            if total == 1 { "" } else { "s" },
            offset + 1,
            offset + page.len()
        );
        h.push_str(&findings_table_sorted(&page, &viewer, true, now, Some((&q, &sel.sort, sel.descending))));
    }
    h.push_str(&pager("/findings", &q, offset, PAGE, offset + PAGE < total));
    Ok(Page { title: "Findings", nav: Nav::Findings, viewer: &viewer, notice, body: h }.render())
}

/// The page's selection (all of it, not one page) as CSV.
pub(crate) async fn csv(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> UiResult {
    let rows = load(&state, &query(raw)).await?;
    let findings: Vec<Finding> = rows.into_iter().map(|(f, _)| f).collect();
    Ok(csv_response(&findings)?)
}
