//! The web UI: server-rendered pages over the same store calls as the API, signed in with an API
//! token (see [`session`]). Every asset is embedded in the binary (`assets/`); pages work without
//! JavaScript, which only refreshes the status of running scans and copies values.
//!
//! Each page is one module; the route table below says which pages need a session, which forms
//! need an admin session with a CSRF token, and which are public (sign-in and the assets).
//! Everything a page shows is escaped by [`html::esc`]; responses carry a strict Content Security
//! Policy (no inline script or style).

mod findings;
mod html;
mod layout;
mod overview;
mod policies;
mod resources;
mod scans;
mod session;
mod sources;
mod wizard;

use crate::{ApiError, ServerState};
use axum::extract::Path;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use html::esc;
use session::{Guard, Need};
use std::collections::BTreeMap;

pub(crate) use layout::{Nav, Notice, Page};
pub(crate) use session::Viewer;

/// Who may use a UI route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Public,
    Session(Need),
}

type Handler = fn() -> MethodRouter<ServerState>;

/// Every UI route: method, path, gate, handler.
const PAGES: &[(Method, &str, Gate, Handler)] = {
    use Gate::{Public, Session};
    use Need::{Change, SignOut, View};
    &[
        (Method::GET, "/login", Public, || get(session::login_form)),
        (Method::POST, "/login", Public, || post(session::login)),
        (Method::POST, "/logout", Session(SignOut), || post(session::logout)),
        (Method::GET, "/assets/{file}", Public, || get(asset)),
        (Method::GET, "/", Session(View), || get(overview::page)),
        (Method::GET, "/sources", Session(View), || get(sources::list)),
        (Method::POST, "/sources", Session(Change), || post(wizard::save)),
        (Method::GET, "/sources/new", Session(View), || get(wizard::start)),
        (Method::POST, "/sources/new", Session(Change), || post(wizard::review)),
        (Method::POST, "/sources/new/template", Session(Change), || post(wizard::download_role)),
        (Method::POST, "/sources/new/realtime/{file}", Session(Change), || post(wizard::download_realtime)),
        (Method::GET, "/sources/{name}", Session(View), || get(sources::show)),
        (Method::GET, "/resources", Session(View), || get(resources::list)),
        (Method::GET, "/resource", Session(View), || get(resources::show)),
        (Method::GET, "/findings", Session(View), || get(findings::list)),
        (Method::GET, "/findings.csv", Session(View), || get(findings::csv)),
        (Method::GET, "/policies", Session(View), || get(policies::list)),
        (Method::GET, "/policies/{id}", Session(View), || get(policies::show)),
        (Method::POST, "/policies/{id}/enable", Session(Change), || post(policies::enable)),
        (Method::POST, "/policies/{id}/disable", Session(Change), || post(policies::disable)),
        (Method::GET, "/suppressions", Session(View), || get(policies::suppressions)),
        (Method::POST, "/suppressions", Session(Change), || post(policies::suppress)),
        (Method::GET, "/suppressions/new", Session(View), || get(policies::suppress_form)),
        (Method::POST, "/suppressions/{id}/delete", Session(Change), || post(policies::unsuppress)),
        (Method::GET, "/scans", Session(View), || get(scans::list)),
        (Method::GET, "/scans/{id}", Session(View), || get(scans::show)),
    ]
};

/// The UI's routes, each behind its gate, with the UI's response headers.
pub(crate) fn router(state: ServerState) -> Router<ServerState> {
    let mut app = Router::new();
    for (_, path, gate, handler) in PAGES {
        let endpoint = match gate {
            Gate::Public => handler(),
            Gate::Session(need) => handler().route_layer(axum::middleware::from_fn_with_state(
                Guard { state: state.clone(), need: *need },
                session::require,
            )),
        };
        app = app.route(path, endpoint);
    }
    app.layer(axum::middleware::map_response(security_headers))
}

/// What every UI response carries: no inline script or style, no framing, no sniffing, no
/// referrer (resource ids are in URLs), and pages are not cached.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static [u8], &str) = match file.as_str() {
        "style.css" => (include_bytes!("assets/style.css"), "text/css; charset=utf-8"),
        "app.js" => (include_bytes!("assets/app.js"), "text/javascript; charset=utf-8"),
        "favicon.svg" => (include_bytes!("assets/favicon.svg"), "image/svg+xml"),
        _ => return error_page(ApiError::not_found("No such file.")),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// An error as a page: its status and its message (already safe to show), with a way back.
pub(crate) fn error_page(e: ApiError) -> Response {
    let title = e.status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<div class=\"error-page\"><h1>{}</h1><p>{}</p><p><a href=\"/\">Back to the overview</a></p></div>",
        esc(title),
        esc(&e.message)
    );
    layout::render_bare(title, e.status, None, &body)
}

/// The error of a page handler, shown as a page.
pub(crate) struct UiError(ApiError);

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        error_page(self.0)
    }
}

pub(crate) type UiResult = Result<Response, UiError>;

/// A page's query string as fields (unknown ones are ignored, unlike the API's).
pub(crate) fn query(raw: Option<String>) -> BTreeMap<String, String> {
    session::form(raw.unwrap_or_default().as_bytes())
        .into_iter()
        .map(|(k, v)| (k, v.trim().to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The answer to a request nothing routes: JSON under `/api/`, a page elsewhere.
pub(crate) async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found("no such route").into_response()
    } else {
        security_headers(error_page(ApiError::new(StatusCode::NOT_FOUND, "There is no page at this address."))).await
    }
}

/// The refusal of a page only admins can use.
pub(crate) fn admin_only(viewer: &Viewer) -> Result<(), UiError> {
    if viewer.admin {
        Ok(())
    } else {
        Err(UiError(ApiError::new(
            StatusCode::FORBIDDEN,
            "Your token is read-only: sign in with an admin token to change anything.",
        )))
    }
}
