//! Small pieces of HTML: escaping (every value that reaches a page goes through [`esc`]), URL
//! building, badges, times and form fields. No markup is built from unescaped input.

use chrono::{DateTime, Utc};
use std::fmt::Write;

/// `s` escaped for HTML text and double-quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `s` as one URL query component.
pub(crate) fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `path` with the non-empty pairs as its query string, escaped for an attribute.
pub(crate) fn href(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> =
        pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    if query.is_empty() {
        esc(path)
    } else {
        esc(&format!("{path}?{}", query.join("&")))
    }
}

/// The link to a resource's page.
pub(crate) fn resource_href(id: &str) -> String {
    href("/resource", &[("id", id)])
}

/// A severity as a badge: the word is always shown, the colour only repeats it.
pub(crate) fn severity(s: &str) -> String {
    format!("<span class=\"badge sev-{}\">{}</span>", esc(&s.to_ascii_lowercase()), esc(s))
}

/// A finding or scan status as a badge.
pub(crate) fn status(s: &str) -> String {
    format!("<span class=\"badge st-{}\">{}</span>", esc(&s.to_ascii_lowercase()), esc(s))
}

/// A time as `2030-01-02 10:04 UTC`, machine-readable in `datetime`.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    format!("<time datetime=\"{}\">{}</time>", t.to_rfc3339(), t.format("%Y-%m-%d %H:%M UTC"))
}

/// A time with how long ago it was, e.g. `5 min ago` (the exact time in the tooltip).
pub(crate) fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let text = match secs {
        s if s < 0 => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        s if s < 60 => "just now".to_string(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    };
    format!(
        "<time datetime=\"{}\" title=\"{}\">{}</time>",
        t.to_rfc3339(),
        t.format("%Y-%m-%d %H:%M:%S UTC"),
        esc(&text)
    )
}

/// A duration in seconds as `1 min 12 s`.
pub(crate) fn duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// A labelled `<select>` whose first option (`any`) is the empty value.
pub(crate) fn select(name: &str, label: &str, any: &str, options: &[String], selected: Option<&str>) -> String {
    let mut h = format!(
        "<div class=\"field\"><label for=\"f-{name}\">{}</label><select id=\"f-{name}\" name=\"{name}\"><option value=\"\">{}</option>",
        esc(label),
        esc(any)
    );
    for o in options {
        let sel = if Some(o.as_str()) == selected { " selected" } else { "" };
        let _ = write!(h, "<option value=\"{0}\"{sel}>{0}</option>", esc(o));
    }
    h.push_str("</select></div>");
    h
}

/// The hidden CSRF field every form that changes something carries.
pub(crate) fn csrf_field(token: &str) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", esc(token))
}

/// A hidden field.
pub(crate) fn hidden(name: &str, value: &str) -> String {
    format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(name), esc(value))
}

/// A horizontal bar for a count out of `max` (decorative: the number is always written beside it).
pub(crate) fn bar(n: i64, max: i64, class: &str) -> String {
    let width = if max > 0 { (n as f64 / max as f64 * 100.0).clamp(0.0, 100.0) } else { 0.0 };
    format!(
        "<svg class=\"bar {}\" viewBox=\"0 0 100 8\" preserveAspectRatio=\"none\" aria-hidden=\"true\" focusable=\"false\"><rect class=\"track\" width=\"100\" height=\"8\" rx=\"2\"/><rect class=\"fill\" width=\"{width:.2}\" height=\"8\" rx=\"2\"/></svg>",
        esc(class)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_could_open_markup() {
        assert_eq!(
            esc(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(
            href("/resource", &[("id", "arn:aws:s3:::a b/c&d"), ("x", "")]),
            "/resource?id=arn%3Aaws%3As3%3A%3A%3Aa+b%2Fc%26d"
        );
        assert_eq!(severity("<HIGH>"), "<span class=\"badge sev-&lt;high&gt;\">&lt;HIGH&gt;</span>");
        assert_eq!(duration(72.4), "1 min 12 s");
    }
}
