//! `/api/v1/policies`: the built-in pack's policies with their current PASS/FAIL/ERROR counts.

use super::{json, with_store};
use crate::{ApiError, ServerState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use palisade_policy::{Pack, PolicyMetadata};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// The built-in pack's metadata, parsed once (the pack is compiled into the binary).
fn builtin() -> Result<&'static [Arc<PolicyMetadata>], ApiError> {
    static METADATA: OnceLock<Result<Vec<Arc<PolicyMetadata>>, String>> = OnceLock::new();
    let loaded = METADATA.get_or_init(|| {
        Pack::builtin().map(|p| p.policies.iter().map(|p| p.metadata.clone()).collect()).map_err(|e| e.to_string())
    });
    loaded.as_deref().map_err(|e| {
        tracing::error!(error = %e, "loading the built-in policy pack");
        ApiError::internal()
    })
}

#[derive(Serialize)]
struct PolicyView {
    id: String,
    title: String,
    description: String,
    severity: &'static str,
    resource_types: Vec<String>,
    remediation: String,
    remediation_id: Option<String>,
    references: Vec<String>,
    compliance: BTreeMap<String, Vec<String>>,
    pass: i64,
    fail: i64,
    error: i64,
}

pub async fn list(State(state): State<ServerState>) -> Result<Response, ApiError> {
    let metadata = builtin()?;
    let counts = with_store(&state, |store| Ok(store.policy_counts()?)).await?;
    let items: Vec<PolicyView> = metadata
        .iter()
        .map(|m| {
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
                pass: c.pass,
                fail: c.fail,
                error: c.error,
            }
        })
        .collect();
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}
