//! Palisade's HTTP server, run by `palisade serve --listen ADDR`: the health check, the
//! Prometheus metrics of the running components, the JSON REST API under `/api/v1` (documented in
//! `docs/openapi.yaml`), and the web UI (server-rendered HTML, every asset embedded in the binary).
//!
//! The API takes an API token (`Authorization: Bearer <token>`) on every route but `/healthz` and
//! `/metrics`; routes that change state require an admin token. The routes are one table
//! ([`routes::ROUTES`]) that both the router and the OpenAPI test read. The UI signs in with the
//! same tokens and keeps a session cookie ([`ui`]). Handlers never build SQL: they call the store,
//! each request opening its own connection in a blocking task. This crate knows nothing of clouds
//! beyond the list of API actions the role template must allow.

pub mod api;
pub mod auth;
mod error;
pub mod routes;
pub mod ui;

pub use error::ApiError;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Router;
use palisade_engine::realtime::RealtimeMetrics;
use palisade_policy::Pack;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use tokio::sync::watch;

/// Request bodies are small JSON documents; anything larger is refused.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("serving HTTP: {0}")]
    Serve(#[source] std::io::Error),
}

/// What the routes read.
#[derive(Clone, Default)]
pub struct ServerState {
    /// The real-time consumer's metrics, when it runs.
    pub realtime: Option<Arc<RealtimeMetrics>>,
    /// The store the API reads and the tokens live in; without one, every authenticated route
    /// answers 503.
    pub db: Option<PathBuf>,
    /// The policy pack the scans use (with `serve --policies`); the built-in pack when unset.
    pub pack: Option<Arc<Pack>>,
    /// The AWS account Palisade runs in: the generated role templates trust it. When unset, the
    /// Add Account wizard asks for it.
    pub palisade_account_id: Option<String>,
    /// The ARN of the real-time events queue (`serve --queue-url`), for the StackSet instructions.
    pub queue_arn: Option<String>,
}

impl ServerState {
    /// The policy pack: the one `serve` loaded, else the built-in one (parsed once).
    pub fn pack(&self) -> Result<Arc<Pack>, ApiError> {
        if let Some(pack) = &self.pack {
            return Ok(pack.clone());
        }
        static BUILTIN: OnceLock<Result<Arc<Pack>, String>> = OnceLock::new();
        let loaded = BUILTIN.get_or_init(|| Pack::builtin().map(Arc::new).map_err(|e| e.to_string()));
        loaded.clone().map_err(|e| {
            tracing::error!(error = %e, "loading the built-in policy pack");
            ApiError::internal()
        })
    }
}

/// The whole application: every route of [`routes::ROUTES`], each behind its access check.
pub fn router(state: ServerState) -> Router {
    let mut app = Router::new();
    for route in routes::ROUTES {
        let endpoint = (route.handler)();
        let endpoint = match route.access {
            routes::Access::Public => endpoint,
            access => endpoint.route_layer(axum::middleware::from_fn_with_state(
                auth::Guard { state: state.clone(), access },
                auth::require,
            )),
        };
        app = app.route(route.path, endpoint);
    }
    app.merge(ui::router(state.clone()))
        .fallback(ui::fallback)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

pub(crate) async fn metrics(axum::extract::State(state): axum::extract::State<ServerState>) -> impl IntoResponse {
    let body = state.realtime.as_ref().map(|m| m.render()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body)
}

/// Binds `addr` now (so a taken port fails at startup) and returns the server's future, which
/// serves until `stop` turns true.
pub async fn bind(
    addr: SocketAddr,
    state: ServerState,
    mut stop: watch::Receiver<bool>,
) -> Result<(SocketAddr, impl std::future::Future<Output = Result<(), ServerError>>), ServerError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|source| ServerError::Bind { addr, source })?;
    let local = listener.local_addr().map_err(|source| ServerError::Bind { addr, source })?;
    let serve = async move {
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
            .map_err(ServerError::Serve)
    };
    Ok((local, serve))
}
