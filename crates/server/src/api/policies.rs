//! `/api/v1/policies`: the pack's policies with their current PASS/FAIL/ERROR counts and whether
//! they are enabled; enabling and disabling one (a disabled policy is left out of every scan, and
//! its current findings are removed).

use super::{json, with_store};
use crate::{ApiError, ServerState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use palisade_model::PolicyMetadata;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Serialize)]
pub(crate) struct PolicyView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: &'static str,
    pub resource_types: Vec<String>,
    pub remediation: String,
    pub remediation_id: Option<String>,
    pub references: Vec<String>,
    pub compliance: BTreeMap<String, Vec<String>>,
    pub enabled: bool,
    pub pass: i64,
    pub fail: i64,
    pub error: i64,
}

/// Every policy of the pack, by id, with its counts and state.
pub(crate) async fn views(state: &ServerState) -> Result<Vec<PolicyView>, ApiError> {
    let pack = state.pack()?;
    let (counts, disabled) =
        with_store(state, |store| Ok((store.policy_counts()?, store.disabled_policies()?))).await?;
    let mut items: Vec<PolicyView> = pack
        .policies
        .iter()
        .map(|p| {
            let m = &p.metadata;
            let c = counts.get(m.id.as_str()).copied().unwrap_or_default();
            PolicyView {
                id: m.id.to_string(),
                title: m.title.clone(),
                description: m.description.clone(),
                severity: m.severity.as_str(),
                resource_types: m.resource_types.clone(),
                remediation: m.remediation.clone(),
                remediation_id: m.remediation_id.clone(),
                references: m.references.clone(),
                compliance: m.compliance.clone(),
                enabled: !disabled.contains_key(m.id.as_str()),
                pass: c.pass,
                fail: c.fail,
                error: c.error,
            }
        })
        .collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(items)
}

pub async fn list(State(state): State<ServerState>) -> Result<Response, ApiError> {
    let items = views(&state).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}

/// The pack's policy with this id, or a 404.
pub(crate) fn known(state: &ServerState, id: &str) -> Result<Arc<PolicyMetadata>, ApiError> {
    let pack = state.pack()?;
    pack.policies
        .iter()
        .find(|p| p.metadata.id.as_str() == id)
        .map(|p| p.metadata.clone())
        .ok_or_else(|| ApiError::not_found("no such policy"))
}

/// Enables or disables a known policy; true when that changed something.
pub(crate) async fn set_enabled(state: &ServerState, id: String, enabled: bool) -> Result<bool, ApiError> {
    known(state, &id)?;
    with_store(state, move |store| Ok(if enabled { store.enable_policy(&id)? } else { store.disable_policy(&id)? }))
        .await
}

pub async fn enable(State(state): State<ServerState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let changed = set_enabled(&state, id.clone(), true).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "id": id, "enabled": true, "changed": changed })))
}

pub async fn disable(State(state): State<ServerState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let changed = set_enabled(&state, id.clone(), false).await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "id": id, "enabled": false, "changed": changed })))
}
