//! `/api/v1/sources`: the accounts Palisade scans. Adding one checks it exactly as
//! `palisade source add` does; a generated ExternalId is returned once and never again.

use super::{json, with_store};
use crate::{ApiError, ServerState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use palisade_model::{AccountId, Region, Source, DEFAULT_SCHEDULE};
use palisade_store::ScanRun;
use serde::{Deserialize, Serialize};

/// A source as the API shows it: the external id is never shown again after creation.
#[derive(Serialize)]
pub struct SourceView {
    pub name: String,
    pub account_id: String,
    pub label: String,
    pub role_arn: Option<String>,
    pub external_id_set: bool,
    pub regions: Vec<String>,
    pub realtime: bool,
    pub remediation: bool,
    pub enabled: bool,
    pub schedule: String,
    pub next_run_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_scan: Option<LastScan>,
}

#[derive(Serialize)]
pub struct LastScan {
    pub id: i64,
    pub status: &'static str,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub failing: i64,
    pub errors: i64,
}

pub(crate) fn view(s: &Source, last: Option<&ScanRun>) -> SourceView {
    SourceView {
        name: s.name.clone(),
        account_id: s.account_id.to_string(),
        label: s.label.clone(),
        role_arn: s.role_arn.clone(),
        external_id_set: s.external_id.is_some(),
        regions: s.regions.iter().map(|r| r.to_string()).collect(),
        realtime: s.realtime,
        remediation: s.remediation,
        enabled: s.enabled,
        schedule: s.schedule.clone(),
        next_run_at: s.next_run_at,
        created_at: s.created_at,
        last_scan: last.map(|r| LastScan {
            id: r.id,
            status: super::scans::status_str(r.status),
            started_at: r.started_at,
            finished_at: r.finished_at,
            failing: r.failing,
            errors: r.errors,
        }),
    }
}

pub async fn list(State(state): State<ServerState>) -> Result<Response, ApiError> {
    let items = with_store(&state, |store| {
        let last = store.last_scans_by_source()?;
        Ok(store.sources()?.iter().map(|s| view(s, last.get(&s.name))).collect::<Vec<_>>())
    })
    .await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}

pub async fn show(State(state): State<ServerState>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let found = with_store(&state, move |store| {
        let last = store.last_scans_by_source()?;
        Ok(store.source(&name)?.map(|s| view(&s, last.get(&s.name))))
    })
    .await?;
    let source = found.ok_or_else(|| ApiError::not_found("no such source"))?;
    Ok(json(StatusCode::OK, &source))
}

/// The body of `POST /api/v1/sources`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSource {
    pub name: String,
    pub account_id: AccountId,
    pub label: String,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    #[serde(default)]
    pub regions: Vec<Region>,
    #[serde(default)]
    pub realtime: bool,
    #[serde(default)]
    pub remediation: bool,
    pub schedule: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Serialize)]
struct Created {
    source: SourceView,
    /// Only when the server generated it: shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
}

pub async fn create(State(state): State<ServerState>, body: Bytes) -> Result<Response, ApiError> {
    let new: NewSource =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid source: {e}")))?;
    let (source, generated) = build_source(new)?;
    let saved = save_source(&state, source).await?;
    Ok(json(StatusCode::CREATED, &Created { source: view(&saved, None), external_id: generated }))
}

/// The source a request describes, checked exactly as `palisade source add` checks it (the same
/// default role and ExternalId generation, from `palisade-onboard`), and the ExternalId when it
/// was generated here. The API and the web UI's Add Account wizard both add sources through this.
pub(crate) fn build_source(new: NewSource) -> Result<(Source, Option<String>), ApiError> {
    let generated = match &new.external_id {
        Some(_) => None,
        None => Some(palisade_onboard::generate_external_id().map_err(|e| {
            tracing::error!(error = %e, "generating an external id");
            ApiError::internal()
        })?),
    };
    let role_arn = new.role_arn.unwrap_or_else(|| palisade_onboard::default_role_arn(new.account_id.as_str()));
    let source = Source {
        name: new.name,
        account_id: new.account_id,
        label: new.label,
        role_arn: Some(role_arn),
        external_id: new.external_id.or_else(|| generated.clone()),
        regions: new.regions,
        realtime: new.realtime,
        remediation: new.remediation,
        enabled: new.enabled.unwrap_or(true),
        schedule: new.schedule.unwrap_or_else(|| DEFAULT_SCHEDULE.to_string()),
        next_run_at: None,
        created_at: Utc::now(),
    };
    source.validate().map_err(|e| ApiError::bad_request(e.to_string()))?;
    if source.label.trim().is_empty() {
        return Err(ApiError::bad_request("label must not be empty"));
    }
    palisade_engine::Schedule::parse(&source.schedule).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((source, generated))
}

/// Stores a built source; a name or account already taken is a 409. The scheduler of `serve`
/// starts its baseline scan within one tick.
pub(crate) async fn save_source(state: &ServerState, source: Source) -> Result<Source, ApiError> {
    with_store(state, move |store| {
        store.add_source(&source)?.map_err(|conflict| ApiError::new(StatusCode::CONFLICT, conflict.to_string()))?;
        Ok(source)
    })
    .await
}

pub async fn remove(State(state): State<ServerState>, Path(name): Path<String>) -> Result<Response, ApiError> {
    let removed = with_store(&state, move |store| Ok(store.remove_source(&name)?)).await?;
    if !removed {
        return Err(ApiError::not_found("no such source"));
    }
    Ok(json(StatusCode::OK, &serde_json::json!({ "removed": true })))
}
