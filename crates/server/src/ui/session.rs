//! Signing in to the UI with an API token, the session cookie, and the checks in front of every
//! page: a valid session (else to `/login`), and for every form POST a CSRF token tied to the
//! session (and an admin role for the forms that change something).
//!
//! A session id is 32 random bytes; the browser holds it in an `HttpOnly`, `SameSite=Strict`
//! cookie (`Secure` whenever the browser accepts one: over HTTPS and on loopback hosts, which
//! browsers treat as secure), and the store keeps only its SHA-256, with a fixed expiry. The CSRF
//! token is a SHA-256 of the session id under another prefix: a reader of the store cannot derive
//! it, and it needs no storage. The login form has its own double-submit token (a cookie and a
//! field), so a page elsewhere cannot sign a browser in with someone else's token.

use super::html::{csrf_field, esc};
use super::layout::{render_bare, Notice};
use crate::api::with_store;
use crate::auth::hash_token;
use crate::{ApiError, ServerState};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub(crate) const SESSION_COOKIE: &str = "palisade_session";
const LOGIN_COOKIE: &str = "palisade_login";
/// How long a session lasts from sign-in.
pub(crate) const SESSION_HOURS: i64 = 12;

/// Who is looking at a page: set by [`require`] for every page behind it.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// The name of the token that signed in.
    pub name: String,
    pub admin: bool,
    /// The CSRF token of this session, for the forms of the page.
    pub csrf: String,
}

impl Viewer {
    pub fn csrf_field(&self) -> String {
        csrf_field(&self.csrf)
    }
}

/// What a route behind the session check needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Any session; a page to look at.
    View,
    /// A form that only ends the session: any session, with its CSRF token.
    SignOut,
    /// A form that changes something: an admin session, with its CSRF token.
    Change,
}

#[derive(Clone)]
pub(crate) struct Guard {
    pub state: ServerState,
    pub need: Need,
}

fn random_hex() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "generating a session id");
        ApiError::internal()
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store keeps of a session id.
fn session_hash(id: &str) -> String {
    sha256_hex(&["palisade-ui-session\0", id])
}

/// The CSRF token of the session `id`.
pub(crate) fn csrf_token(id: &str) -> String {
    sha256_hex(&["palisade-ui-csrf\0", id])
}

/// Equality that takes as long whatever the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// Whether the browser will keep a `Secure` cookie from this request: it came over HTTPS (as a
/// proxy in front says), or to a loopback host, which browsers treat as a secure context.
fn secure_context(headers: &HeaderMap) -> bool {
    if headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https")) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let name = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h).to_string()
    };
    name == "localhost" || name.ends_with(".localhost") || name == "[::1]" || name.starts_with("127.")
}

fn set_cookie(headers: &HeaderMap, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if secure_context(headers) { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The form fields of a urlencoded body.
pub(crate) fn form(body: &[u8]) -> BTreeMap<String, String> {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// A local path to go back to after signing in; anything else (another site, `//host`) is `/`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Lets a request through when its session is valid and allows what the route does.
pub(crate) async fn require(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
        return to_login(&parts.uri);
    };
    let hash = session_hash(&id);
    let session = match with_store(&guard.state, move |store| Ok(store.ui_session(&hash, Utc::now())?)).await {
        Ok(Some(s)) => s,
        Ok(None) => return to_login(&parts.uri),
        Err(e) => return super::error_page(e),
    };
    let viewer = Viewer {
        name: session.token.name.clone(),
        admin: session.token.role == palisade_store::TokenRole::Admin,
        csrf: csrf_token(&id),
    };
    let body = if guard.need == Need::View {
        body
    } else {
        if guard.need == Need::Change && !viewer.admin {
            return super::error_page(ApiError::new(
                StatusCode::FORBIDDEN,
                "Your token is read-only: sign in with an admin token to change anything.",
            ));
        }
        let bytes = match axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await {
            Ok(b) => b,
            Err(_) => return super::error_page(ApiError::bad_request("The form is too large.")),
        };
        let sent = form(&bytes).remove("csrf").unwrap_or_default();
        if !same(&sent, &viewer.csrf) {
            return super::error_page(ApiError::new(
                StatusCode::FORBIDDEN,
                "This form did not come from this session (it may be from an older sign-in). Reload the page and try again.",
            ));
        }
        Body::from(bytes)
    };
    let mut request = Request::from_parts(parts, body);
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

fn to_login(uri: &axum::http::Uri) -> Response {
    let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let target = if next == "/" { "/login".to_string() } else { format!("/login?next={}", super::html::enc(next)) };
    Redirect::to(&target).into_response()
}

/// The sign-in page, with a fresh login token in its form and cookie.
fn login_page(headers: &HeaderMap, next: &str, status: StatusCode, message: Option<Notice>) -> Response {
    let token = match random_hex() {
        Ok(t) => t,
        Err(e) => return super::error_page(e),
    };
    let body = format!(
        r#"<div class="login">
<h1>Sign in to Palisade</h1>
<p class="muted">Use an API token. An administrator makes one with
<code>palisade token create --db palisade.db --role admin --name you</code>; a read-only token can look but not change anything.</p>
<form method="post" action="/login" class="stack">
<input type="hidden" name="login" value="{token}">
<input type="hidden" name="next" value="{next}">
<div class="field"><label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required spellcheck="false" placeholder="pal_…" autofocus></div>
<button type="submit" class="primary">Sign in</button>
</form>
</div>"#,
        next = esc(next)
    );
    let mut response = render_bare("Sign in", status, message, &body);
    response.headers_mut().append(header::SET_COOKIE, set_cookie(headers, LOGIN_COOKIE, &token, 3600));
    response
}

pub(crate) async fn login_form(headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let q = form(raw.unwrap_or_default().as_bytes());
    let next = safe_next(q.get("next").map(String::as_str));
    let notice = q.contains_key("signed_out").then_some(Notice::Info("You have signed out."));
    login_page(&headers, &next, StatusCode::OK, notice)
}

pub(crate) async fn login(State(state): State<ServerState>, headers: HeaderMap, body: Bytes) -> Response {
    let mut fields = form(&body);
    let next = safe_next(fields.get("next").map(String::as_str));
    let sent = fields.remove("login").unwrap_or_default();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !same(&sent, &expected) {
        return login_page(
            &headers,
            &next,
            StatusCode::FORBIDDEN,
            Some(Notice::Error("The sign-in form expired. Please try again.")),
        );
    }
    let token = fields.remove("token").unwrap_or_default();
    let token = token.trim().to_string();
    let id = match random_hex() {
        Ok(id) => id,
        Err(e) => return super::error_page(e),
    };
    let hash = session_hash(&id);
    let signed_in = with_store(&state, move |store| {
        let now = Utc::now();
        let Some(t) = (if token.is_empty() { None } else { store.authenticate_api_token(&hash_token(&token), now)? })
        else {
            return Ok(false);
        };
        store.create_ui_session(&hash, t.id, now, now + Duration::hours(SESSION_HOURS))?;
        Ok(true)
    })
    .await;
    match signed_in {
        Ok(true) => {
            let mut response = Redirect::to(&next).into_response();
            let h = response.headers_mut();
            h.append(header::SET_COOKIE, set_cookie(&headers, SESSION_COOKIE, &id, SESSION_HOURS * 3600));
            h.append(header::SET_COOKIE, set_cookie(&headers, LOGIN_COOKIE, "", 0));
            response
        }
        Ok(false) => {
            tracing::info!("ui sign-in refused: unknown or revoked token");
            login_page(
                &headers,
                &next,
                StatusCode::UNAUTHORIZED,
                Some(Notice::Error("That token is not valid, or it has been revoked.")),
            )
        }
        Err(e) => super::error_page(e),
    }
}

pub(crate) async fn logout(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        let hash = session_hash(&id);
        if let Err(e) = with_store(&state, move |store| Ok(store.delete_ui_session(&hash)?)).await {
            return super::error_page(e);
        }
    }
    let mut response = Redirect::to("/login?signed_out=1").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&headers, SESSION_COOKIE, "", 0));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_only_ever_a_local_path() {
        assert_eq!(safe_next(Some("/findings?status=FAIL")), "/findings?status=FAIL");
        for bad in ["https://evil.example/", "//evil.example", "/\\evil.example", "findings", ""] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn secure_cookies_where_the_browser_keeps_them() {
        let h = |host: &str, proto: Option<&str>| {
            let mut m = HeaderMap::new();
            m.insert(header::HOST, HeaderValue::from_str(host).unwrap());
            if let Some(p) = proto {
                m.insert("x-forwarded-proto", HeaderValue::from_str(p).unwrap());
            }
            secure_context(&m)
        };
        assert!(h("127.0.0.1:8080", None));
        assert!(h("localhost:8080", None));
        assert!(h("[::1]:8080", None));
        assert!(h("palisade.example.com", Some("https")));
        assert!(!h("palisade.example.com:8080", None));
        assert!(!h("10.0.0.5:8080", None));
    }

    #[test]
    fn csrf_tokens_differ_from_the_stored_hash_and_between_sessions() {
        assert_ne!(csrf_token("a"), session_hash("a"));
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert!(same(&csrf_token("a"), &csrf_token("a")));
        assert!(!same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut m = HeaderMap::new();
        m.insert(header::COOKIE, HeaderValue::from_static("x_palisade_session=no; palisade_session=yes"));
        assert_eq!(cookie(&m, SESSION_COOKIE).as_deref(), Some("yes"));
        assert_eq!(cookie(&m, "other"), None);
    }
}
