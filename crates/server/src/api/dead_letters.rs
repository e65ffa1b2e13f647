//! `/api/v1/dead-letters`: event messages that could not be applied, newest first.

use super::{json, with_store, Params};
use crate::{ApiError, ServerState};
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub const QUERY: &[&str] = &["limit"];

#[derive(Serialize)]
struct DeadLetterView {
    id: i64,
    received_at: DateTime<Utc>,
    origin: String,
    message_id: String,
    reason: String,
    body: String,
}

pub async fn list(State(state): State<ServerState>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let params = Params::parse(raw, QUERY)?;
    let (limit, _) = params.paging()?;
    let items = with_store(&state, move |store| {
        Ok(store
            .dead_letters(limit)?
            .into_iter()
            .map(|d| DeadLetterView {
                id: d.id,
                received_at: d.received_at,
                origin: d.origin,
                message_id: d.message_id,
                reason: d.reason,
                body: d.body,
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(json(StatusCode::OK, &serde_json::json!({ "items": items })))
}
