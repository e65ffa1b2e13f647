//! The JSON API under `/api/v1`, one module per resource. Shared here: query parameters, paging,
//! JSON responses, and running store calls off the async runtime.

pub mod dead_letters;
pub mod findings;
pub mod policies;
pub mod resources;
pub mod scans;
pub mod sources;
pub mod suppressions;

use crate::{ApiError, ServerState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use palisade_store::SqliteStore;
use serde::Serialize;
use std::collections::BTreeMap;

/// Pages hold this many items unless `limit` says otherwise, and never more than [`MAX_LIMIT`].
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// A JSON body with a status.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => (status, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "serializing an api response");
            ApiError::internal().into_response()
        }
    }
}

/// A page of a listing: its items and the offset of the next page, if there may be one.
#[derive(Serialize)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next_offset: Option<usize>,
}

impl<T> Page<T> {
    /// `items` holds at most `limit + 1` rows: the extra one only says that more follow.
    pub fn new(mut items: Vec<T>, limit: usize, offset: usize) -> Self {
        let more = items.len() > limit;
        items.truncate(limit);
        Self { next_offset: more.then_some(offset + limit), items }
    }
}

/// Runs a store call in a blocking task on its own connection (WAL lets readers run side by side).
pub(crate) async fn with_store<T, F>(state: &ServerState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut SqliteStore) -> Result<T, ApiError> + Send + 'static,
{
    let db = state
        .db
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the API needs a store (serve --db)"))?;
    tokio::task::spawn_blocking(move || {
        let mut store = SqliteStore::open(&db)?;
        f(&mut store)
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "store task failed");
        ApiError::internal()
    })?
}

/// The query parameters of a request, checked against the ones its route accepts.
pub(crate) struct Params(BTreeMap<String, String>);

impl Params {
    pub fn parse(raw: Option<String>, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut out = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if !allowed.contains(&k.as_ref()) {
                return Err(ApiError::bad_request(format!("unknown query parameter {k:?}")));
            }
            if out.insert(k.to_string(), v.to_string()).is_some() {
                return Err(ApiError::bad_request(format!("query parameter {k:?} given twice")));
            }
        }
        Ok(Self(out))
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }

    /// A comma-separated list, each item parsed.
    pub fn list<T>(&self, name: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, ApiError> {
        self.get(name)
            .map(|v| {
                v.split(',')
                    .map(|item| parse(item).map_err(|e| ApiError::bad_request(format!("{name}: {e}"))))
                    .collect()
            })
            .unwrap_or(Ok(Vec::new()))
    }

    fn number(&self, name: &str, default: usize) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| ApiError::bad_request(format!("{name}: expected a number, got {v:?}"))),
        }
    }

    /// `limit` (1 to [`MAX_LIMIT`]) and `offset`.
    pub fn paging(&self) -> Result<(usize, usize), ApiError> {
        let limit = self.number("limit", DEFAULT_LIMIT)?;
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(format!("limit: expected 1 to {MAX_LIMIT}")));
        }
        Ok((limit, self.number("offset", 0)?))
    }
}
