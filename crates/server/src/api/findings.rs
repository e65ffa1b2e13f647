//! `/api/v1/findings`: current verdicts of live resources, most severe first, each marked when a
//! suppression in force covers it; and the same listing as CSV (the columns of `palisade findings
//! --format csv`, from `palisade-report`).

use super::{json, with_store, Page, Params};
use crate::{ApiError, ServerState};
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use palisade_model::{Finding, FindingStatus, Severity};
use palisade_store::{FindingFilter, SqliteStore, StoreError, Suppression};
use serde::Serialize;
use std::collections::BTreeMap;

/// The filters shared by the JSON and CSV listings.
const FILTERS: &[&str] =
    &["status", "severity", "min_severity", "policy_id", "account_id", "label", "resource_type", "suppressed"];
pub const QUERY: &[&str] = &[
    "status",
    "severity",
    "min_severity",
    "policy_id",
    "account_id",
    "label",
    "resource_type",
    "suppressed",
    "limit",
    "offset",
];
pub const CSV_QUERY: &[&str] = FILTERS;

/// A finding on the wire.
#[derive(Serialize)]
pub struct FindingView {
    pub policy_id: String,
    pub title: String,
    pub severity: &'static str,
    pub status: &'static str,
    pub resource_id: String,
    pub resource_type: String,
    pub source: String,
    pub account_id: String,
    pub region: String,
    pub label: String,
    pub message: String,
    pub compliance: BTreeMap<String, Vec<String>>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// A suppression in force covers it.
    pub suppressed: bool,
    /// Which one, when suppressed.
    pub suppression_id: Option<i64>,
}

impl FindingView {
    pub fn new(f: &Finding, suppression: Option<&Suppression>) -> Self {
        Self {
            policy_id: f.policy_id.to_string(),
            title: f.title.clone(),
            severity: f.severity.as_str(),
            status: f.status.as_str(),
            resource_id: f.resource_id.to_string(),
            resource_type: f.resource_type.clone(),
            source: f.source.clone(),
            account_id: f.account_id.to_string(),
            region: f.region.to_string(),
            label: f.label.clone(),
            message: f.message.clone(),
            compliance: f.compliance.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            first_seen: f.first_seen,
            last_seen: f.last_seen,
            resolved_at: f.resolved_at,
            suppressed: suppression.is_some(),
            suppression_id: suppression.map(|s| s.id),
        }
    }
}

/// The suppressions in force at one instant, to mark findings with.
pub(crate) struct Suppressions {
    all: Vec<Suppression>,
    now: DateTime<Utc>,
}

impl Suppressions {
    pub fn load(store: &SqliteStore, now: DateTime<Utc>) -> Result<Self, StoreError> {
        Ok(Self { all: store.suppressions()?, now })
    }

    /// The suppression in force that covers `f`, if any.
    pub fn of(&self, f: &Finding) -> Option<&Suppression> {
        self.all.iter().find(|s| s.covers(f.policy_id.as_str(), f.resource_id.as_str(), self.now))
    }
}

pub(crate) fn severity(s: &str) -> Result<Severity, String> {
    s.parse().map_err(|e: palisade_model::ParseSeverityError| e.to_string())
}

/// What the filter parameters ask for: the store's filter and, if given, whether suppressed
/// findings only (`true`) or unsuppressed ones only (`false`).
pub(crate) fn filter(params: &Params) -> Result<(FindingFilter, Option<bool>), ApiError> {
    let filter = FindingFilter {
        statuses: params.list("status", |s| s.parse::<FindingStatus>())?,
        severities: params.list("severity", severity)?,
        min_severity: params
            .get("min_severity")
            .map(|s| severity(&s))
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("min_severity: {e}")))?,
        policy_id: params.get("policy_id"),
        account_id: params.get("account_id"),
        label: params.get("label"),
        resource_type: params.get("resource_type"),
        ..FindingFilter::default()
    };
    let suppressed = match params.get("suppressed").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(other) => return Err(ApiError::bad_request(format!("suppressed: expected true or false, got {other:?}"))),
    };
    Ok((filter, suppressed))
}

/// The findings matching the filter, each with the suppression covering it.
pub(crate) fn matching(
    store: &SqliteStore,
    filter: &FindingFilter,
    suppressed: Option<bool>,
) -> Result<Vec<(Finding, Option<Suppression>)>, StoreError> {
    let suppressions = Suppressions::load(store, Utc::now())?;
    Ok(store
        .findings(filter)?
        .into_iter()
        .map(|f| {
            let s = suppressions.of(&f).cloned();
            (f, s)
        })
        .filter(|(_, s)| suppressed.is_none_or(|want| want == s.is_some()))
        .collect())
}

pub async fn list(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw, QUERY)?;
    let (limit, offset) = params.paging()?;
    let (filter, suppressed) = filter(&params)?;
    let items = with_store(&state, move |store| {
        Ok(matching(store, &filter, suppressed)?
            .iter()
            .skip(offset)
            .take(limit + 1)
            .map(|(f, s)| FindingView::new(f, s.as_ref()))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(json(StatusCode::OK, &Page::new(items, limit, offset)))
}

/// Findings as a CSV attachment (RFC 4180, with a header row).
pub(crate) fn csv_response(findings: &[Finding]) -> Result<Response, ApiError> {
    let mut out = Vec::new();
    palisade_report::write_csv(&mut out, findings).map_err(|e| {
        tracing::error!(error = %e, "writing findings as CSV");
        ApiError::internal()
    })?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"palisade-findings.csv\""),
        ],
        out,
    )
        .into_response())
}

pub async fn csv(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw, CSV_QUERY)?;
    let (filter, suppressed) = filter(&params)?;
    let findings = with_store(&state, move |store| {
        Ok(matching(store, &filter, suppressed)?.into_iter().map(|(f, _)| f).collect::<Vec<_>>())
    })
    .await?;
    csv_response(&findings)
}
