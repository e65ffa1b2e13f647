//! `/api/v1/resources`: what the scans saw, with each resource's findings and change history.

use super::findings::FindingView;
use super::{json, with_store, Page, Params};
use crate::{ApiError, ServerState};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use palisade_store::{FindingFilter, ResourceChange, ResourceFilter, ResourceRecord};
use serde::Serialize;
use std::collections::BTreeMap;

pub const QUERY: &[&str] = &["type", "account_id", "label", "region", "status", "limit", "offset"];

/// A resource on the wire (attributes only in the detail view).
#[derive(Serialize)]
pub struct ResourceView {
    pub id: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    pub source: String,
    pub account_id: String,
    pub region: String,
    pub label: String,
    /// `live` or `deleted`.
    pub status: &'static str,
    pub tags: BTreeMap<String, String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<serde_json::Value>,
}

fn view(r: &ResourceRecord, with_attributes: bool) -> ResourceView {
    let res = &r.resource;
    ResourceView {
        id: res.id.to_string(),
        resource_type: res.resource_type.clone(),
        name: res.name.clone(),
        source: res.source.clone(),
        account_id: res.account_id.to_string(),
        region: res.region.to_string(),
        label: res.label.clone(),
        status: if r.deleted_at.is_some() { "deleted" } else { "live" },
        tags: res.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        first_seen: r.first_seen,
        last_seen: r.last_seen,
        deleted_at: r.deleted_at,
        attributes: with_attributes.then(|| res.attributes.clone()),
    }
}

#[derive(Serialize)]
struct ChangeView {
    scan_id: i64,
    changed_at: DateTime<Utc>,
    change: String,
    content_hash: String,
    attributes: Option<serde_json::Value>,
}

impl From<ResourceChange> for ChangeView {
    fn from(c: ResourceChange) -> Self {
        Self {
            scan_id: c.scan_id,
            changed_at: c.changed_at,
            change: c.change,
            content_hash: c.content_hash,
            attributes: c.attributes,
        }
    }
}

#[derive(Serialize)]
struct Detail {
    resource: ResourceView,
    findings: Vec<FindingView>,
    history: Vec<ChangeView>,
}

pub async fn list(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw, QUERY)?;
    let (limit, offset) = params.paging()?;
    let deleted = match params.get("status").as_deref() {
        None => None,
        Some("live") => Some(false),
        Some("deleted") => Some(true),
        Some(other) => return Err(ApiError::bad_request(format!("status: expected live or deleted, got {other:?}"))),
    };
    let filter = ResourceFilter {
        resource_type: params.get("type"),
        account_id: params.get("account_id"),
        label: params.get("label"),
        region: params.get("region"),
        deleted,
    };
    let items = with_store(&state, move |store| {
        Ok(store.list_resources(&filter, limit + 1, offset)?.iter().map(|r| view(r, false)).collect::<Vec<_>>())
    })
    .await?;
    Ok(json(StatusCode::OK, &Page::new(items, limit, offset)))
}

pub async fn show(State(state): State<ServerState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let detail = with_store(&state, move |store| {
        let Some(record) = store.resource_record(&id)? else { return Ok(None) };
        let filter = FindingFilter { resource_id: Some(id.clone()), ..FindingFilter::default() };
        let findings = super::findings::matching(store, &filter, None)?
            .iter()
            .map(|(f, s)| FindingView::new(f, s.as_ref()))
            .collect();
        let history = store.resource_history(&id)?.into_iter().map(ChangeView::from).collect();
        Ok(Some(Detail { resource: view(&record, true), findings, history }))
    })
    .await?;
    let detail = detail.ok_or_else(|| ApiError::not_found("no such resource"))?;
    Ok(json(StatusCode::OK, &detail))
}
