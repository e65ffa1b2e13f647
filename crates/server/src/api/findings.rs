//! `/api/v1/findings`: current verdicts of live resources, most severe first.

use super::{json, with_store, Page, Params};
use crate::{ApiError, ServerState};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use palisade_model::{Finding, FindingStatus, Severity};
use palisade_store::FindingFilter;
use serde::Serialize;
use std::collections::BTreeMap;

pub const QUERY: &[&str] =
    &["status", "severity", "min_severity", "policy_id", "account_id", "label", "resource_type", "limit", "offset"];

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
}

impl From<&Finding> for FindingView {
    fn from(f: &Finding) -> Self {
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
        }
    }
}

fn severity(s: &str) -> Result<Severity, String> {
    s.parse().map_err(|e: palisade_model::ParseSeverityError| e.to_string())
}

pub async fn list(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw, QUERY)?;
    let (limit, offset) = params.paging()?;
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
    let items = with_store(&state, move |store| {
        Ok(store.findings(&filter)?.iter().skip(offset).take(limit + 1).map(FindingView::from).collect::<Vec<_>>())
    })
    .await?;
    Ok(json(StatusCode::OK, &Page::new(items, limit, offset)))
}
