//! API tokens: how they are made and hashed, and the check in front of every route but the health
//! check. A token is `pal_` and 64 hex digits (32 random bytes); the store keeps only its SHA-256,
//! which is enough for a secret with that much entropy.

use crate::routes::Access;
use crate::{ApiError, ServerState};
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use palisade_store::{ApiToken, SqliteStore, TokenRole};
use sha2::{Digest, Sha256};

const TOKEN_PREFIX: &str = "pal_";

/// Why a token could not be made.
#[derive(Debug, thiserror::Error)]
#[error("generating an api token: {0}")]
pub struct TokenError(String);

/// A new random token, to be shown once.
pub fn generate_token() -> Result<String, TokenError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| TokenError(e.to_string()))?;
    Ok(format!("{TOKEN_PREFIX}{}", hex(&bytes)))
}

/// What the store keeps of a token: its SHA-256 as lowercase hex.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The state of the access check of one route.
#[derive(Clone)]
pub struct Guard {
    pub state: ServerState,
    pub access: Access,
}

/// The caller of a request that passed the check, for handlers that want to know.
#[derive(Debug, Clone)]
pub struct Caller(pub ApiToken);

/// Lets the request through when it carries a valid, unrevoked token whose role allows the route.
pub async fn require(State(guard): State<Guard>, mut request: Request, next: Next) -> Response {
    let Some(token) = bearer(&request) else {
        return unauthorized("missing bearer token");
    };
    let Some(db) = guard.state.db.clone() else {
        return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the API needs a store (serve --db)").into_response();
    };
    let hash = hash_token(&token);
    let found = tokio::task::spawn_blocking(move || {
        let mut store = SqliteStore::open(&db)?;
        store.authenticate_api_token(&hash, chrono::Utc::now())
    })
    .await;
    let token = match found {
        Ok(Ok(Some(token))) => token,
        Ok(Ok(None)) => return unauthorized("invalid or revoked token"),
        Ok(Err(e)) => return ApiError::from(e).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "token check task failed");
            return ApiError::internal().into_response();
        }
    };
    if guard.access == Access::Admin && token.role != TokenRole::Admin {
        return ApiError::new(StatusCode::FORBIDDEN, "this route needs an admin token").into_response();
    }
    request.extensions_mut().insert(Caller(token));
    next.run(request).await
}

fn bearer(request: &Request) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hash_to_sha256_hex() {
        let (a, b) = (generate_token().unwrap(), generate_token().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with("pal_") && a.len() == 4 + 64, "{a}");
        // SHA-256("abc"), from FIPS 180-2.
        assert_eq!(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
