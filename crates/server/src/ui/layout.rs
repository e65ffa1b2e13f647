//! The page shell (`assets/layout.html`): navigation, who is signed in, a notice, the page.

use super::html::esc;
use super::session::Viewer;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const LAYOUT: &str = include_str!("assets/layout.html");

/// The sections of the navigation, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Overview,
    Sources,
    Resources,
    Findings,
    Policies,
    Scans,
}

const NAV: &[(Nav, &str, &str)] = &[
    (Nav::Overview, "/", "Overview"),
    (Nav::Sources, "/sources", "Sources"),
    (Nav::Resources, "/resources", "Resources"),
    (Nav::Findings, "/findings", "Findings"),
    (Nav::Policies, "/policies", "Policies"),
    (Nav::Scans, "/scans", "Scans"),
];

/// A message at the top of a page. The texts are fixed by the code, never taken from a request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Notice {
    Info(&'static str),
    Error(&'static str),
}

impl Notice {
    /// The notice a redirect after a change names with `?notice=KEY`.
    pub fn from_key(key: &str) -> Option<Self> {
        Some(Self::Info(match key {
            "source_added" => "Source saved. The scheduler starts its baseline scan within one tick.",
            "suppressed" => "Suppression saved: matching findings are marked suppressed.",
            "suppression_removed" => "Suppression removed.",
            "policy_enabled" => "Policy enabled: the next scan of each source evaluates it.",
            "policy_disabled" => "Policy disabled: scans skip it, and its findings were removed.",
            _ => return None,
        }))
    }

    fn html(self) -> String {
        match self {
            Self::Info(t) => format!("<div class=\"notice info\" role=\"status\">{}</div>", esc(t)),
            Self::Error(t) => format!("<div class=\"notice error\" role=\"alert\">{}</div>", esc(t)),
        }
    }
}

/// One page to render.
pub(crate) struct Page<'a> {
    pub title: &'a str,
    pub nav: Nav,
    pub viewer: &'a Viewer,
    pub notice: Option<Notice>,
    pub body: String,
}

impl Page<'_> {
    pub fn render(self) -> Response {
        let mut nav = String::from("<nav aria-label=\"Main\"><ul>");
        for (section, path, label) in NAV {
            let current = if *section == self.nav { " aria-current=\"page\"" } else { "" };
            nav.push_str(&format!("<li><a href=\"{path}\"{current}>{label}</a></li>"));
        }
        nav.push_str("</ul></nav>");
        let role = if self.viewer.admin { "admin" } else { "read-only" };
        let user = format!(
            "<div class=\"user\"><span>{} <span class=\"role role-{role}\">{role}</span></span>\
             <form method=\"post\" action=\"/logout\">{}<button type=\"submit\" class=\"link\">Sign out</button></form></div>",
            esc(&self.viewer.name),
            self.viewer.csrf_field()
        );
        html(StatusCode::OK, fill(self.title, &nav, &user, self.notice, &self.body))
    }
}

/// A page without navigation (sign-in, errors before a session exists).
pub(crate) fn render_bare(title: &str, status: StatusCode, notice: Option<Notice>, body: &str) -> Response {
    html(status, fill(title, "", "", notice, body))
}

fn fill(title: &str, nav: &str, user: &str, notice: Option<Notice>, body: &str) -> String {
    let notice = notice.map(Notice::html).unwrap_or_default();
    let title = esc(title);
    template(LAYOUT, &[("title", &title), ("nav", nav), ("user", user), ("notice", &notice), ("main", body)])
}

/// `text` with each `{{name}}` replaced by its value, in one pass: a value is never searched for
/// placeholders itself.
fn template(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}").and_then(|end| values.iter().find(|(k, _)| *k == &after[..end]).map(|(_, v)| (end, v))) {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub(crate) fn html(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_filled_once_and_values_never_rescanned() {
        let got = super::template("<t>{{title}}</t>{{main}}{{x}}", &[("title", "{{main}}"), ("main", "M")]);
        assert_eq!(got, "<t>{{main}}</t>M{{x}}");
    }
}
