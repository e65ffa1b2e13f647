//! Palisade's HTTP server, run by `palisade serve --listen ADDR`: the health check and the
//! Prometheus metrics of the running components.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use palisade_engine::realtime::RealtimeMetrics;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::watch;

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
}

pub fn router(state: ServerState) -> Router {
    Router::new().route("/healthz", get(|| async { "ok\n" })).route("/metrics", get(metrics)).with_state(state)
}

async fn metrics(axum::extract::State(state): axum::extract::State<ServerState>) -> impl IntoResponse {
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
