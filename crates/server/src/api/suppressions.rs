//! `/api/v1/suppressions`: findings a user chose to accept, as `palisade suppress` makes them: a
//! policy on the resources whose id matches a glob, with a reason and an optional expiry. A
//! suppressed finding is still listed (marked `suppressed`), is not counted as failing in the UI's
//! overview, and is never remediated.

use super::{json, with_store};
use crate::{ApiError, ServerState};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use palisade_store::Suppression;
use serde::{Deserialize, Serialize};

/// The body of `POST /api/v1/suppressions`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSuppression {
    pub policy_id: String,
    /// A glob over resource ids: `*` any run of characters, `?` one character.
    pub resource_pattern: String,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
pub(crate) struct SuppressionView {
    pub id: i64,
    pub policy_id: String,
    pub resource_pattern: String,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// False once it has expired.
    pub active: bool,
}

impl SuppressionView {
    pub fn new(s: Suppression, now: DateTime<Utc>) -> Self {
        Self {
            active: s.expires_at.is_none_or(|e| now < e),
            id: s.id,
            policy_id: s.policy_id,
            resource_pattern: s.resource_pattern,
            reason: s.reason,
            expires_at: s.expires_at,
            created_at: s.created_at,
        }
    }
}

/// Checks and stores a suppression (the API and the UI both add them here); returns its id.
pub(crate) async fn add(state: &ServerState, new: NewSuppression) -> Result<i64, ApiError> {
    if super::policies::known(state, new.policy_id.trim()).is_err() {
        return Err(ApiError::bad_request(format!("no policy with id {:?}", new.policy_id)));
    }
    let pattern = new.resource_pattern.trim().to_string();
    if pattern.is_empty() {
        return Err(ApiError::bad_request("resource_pattern must not be empty (use * for every resource)"));
    }
    let reason = new.reason.trim().to_string();
    if reason.is_empty() {
        return Err(ApiError::bad_request("reason must say why the finding is accepted"));
    }
    if new.expires_at.is_some_and(|e| e <= Utc::now()) {
        return Err(ApiError::bad_request("expires_at is in the past"));
    }
    let policy = new.policy_id.trim().to_string();
    with_store(state, move |store| Ok(store.add_suppression(&policy, &pattern, &reason, new.expires_at)?)).await
}

pub async fn list(State(state): State<ServerState>) -> Result<Response, ApiError> {
    let now = Utc::now();
    let items = with_store(&state, move |store| {
        Ok(store.suppressions()?.into_iter().map(|s| SuppressionView::new(s, now)).collect::<Vec<_>>())
    })
    .await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}

pub async fn create(State(state): State<ServerState>, body: Bytes) -> Result<Response, ApiError> {
    let new: NewSuppression =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("invalid suppression: {e}")))?;
    let id = add(&state, new).await?;
    let now = Utc::now();
    let created = with_store(&state, move |store| Ok(store.suppressions()?.into_iter().find(|s| s.id == id)))
        .await?
        .ok_or_else(ApiError::internal)?;
    Ok(json(StatusCode::CREATED, &SuppressionView::new(created, now)))
}

/// Removes a suppression by id (the path's `{id}`).
pub(crate) async fn delete_by_id(state: &ServerState, id: &str) -> Result<(), ApiError> {
    let id: i64 =
        id.parse().map_err(|_| ApiError::bad_request(format!("suppression id: expected a number, got {id:?}")))?;
    let removed = with_store(state, move |store| Ok(store.remove_suppression(id)?)).await?;
    if removed {
        Ok(())
    } else {
        Err(ApiError::not_found("no such suppression"))
    }
}

pub async fn remove(State(state): State<ServerState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    delete_by_id(&state, &id).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "removed": true })))
}
