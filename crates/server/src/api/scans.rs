//! `/api/v1/scans`: scan runs (full scans and real-time rescans) and their errors.

use super::{json, with_store, Params};
use crate::{ApiError, ServerState};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use palisade_store::{ScanRun, ScanStatus};
use serde::Serialize;

pub const QUERY: &[&str] = &["limit"];

pub(crate) fn status_str(s: ScanStatus) -> &'static str {
    match s {
        ScanStatus::Running => "running",
        ScanStatus::Completed => "completed",
        ScanStatus::Interrupted => "interrupted",
        ScanStatus::Failed => "failed",
    }
}

#[derive(Serialize)]
struct ScanView {
    id: i64,
    kind: &'static str,
    source: String,
    account_id: String,
    regions: Vec<String>,
    status: &'static str,
    started_at: DateTime<Utc>,
    finished_at: Option<DateTime<Utc>>,
    /// Seconds from start to finish; `None` while running.
    duration_seconds: Option<f64>,
    resources: i64,
    evaluations: i64,
    failing: i64,
    errors: i64,
}

impl From<&ScanRun> for ScanView {
    fn from(r: &ScanRun) -> Self {
        Self {
            id: r.id,
            kind: r.kind.as_str(),
            source: r.source.clone(),
            account_id: r.account_id.clone(),
            regions: r.regions.clone(),
            status: status_str(r.status),
            started_at: r.started_at,
            finished_at: r.finished_at,
            duration_seconds: r.finished_at.map(|f| (f - r.started_at).num_milliseconds() as f64 / 1000.0),
            resources: r.resources,
            evaluations: r.evaluations,
            failing: r.failing,
            errors: r.errors,
        }
    }
}

/// The most recent scans, newest first (`limit`, default 100).
pub async fn list(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw, QUERY)?;
    let (limit, _) = params.paging()?;
    let items =
        with_store(&state, move |store| Ok(store.recent_scans(limit)?.iter().map(ScanView::from).collect::<Vec<_>>()))
            .await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}

#[derive(Serialize)]
struct ErrorView {
    service: String,
    region: String,
    operation: String,
    kind: &'static str,
    message: String,
}

pub async fn errors(State(state): State<ServerState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::bad_request(format!("scan id: expected a number, got {id:?}")))?;
    let items = with_store(&state, move |store| {
        if store.scan(id)?.is_none() {
            return Ok(None);
        }
        Ok(Some(
            store
                .scan_errors(id)?
                .into_iter()
                .map(|e| ErrorView {
                    service: e.service,
                    region: e.region,
                    operation: e.operation,
                    kind: e.kind.as_str(),
                    message: e.message,
                })
                .collect::<Vec<_>>(),
        ))
    })
    .await?;
    let items = items.ok_or_else(|| ApiError::not_found("no such scan"))?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}
