//! Conversions from SDK shapes to the JSON attributes policies read. SDK types never leave the
//! collect crate: every collector turns them into `serde_json::Value` through these helpers.

use serde_json::Value;
use std::collections::BTreeMap;

/// An SDK timestamp as RFC 3339 (`2024-01-02T03:04:05Z`), or null.
pub(crate) fn time(dt: Option<&aws_smithy_types::DateTime>) -> Value {
    dt.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()).map(Value::String).unwrap_or(Value::Null)
}

/// An optional string as a JSON string or null.
pub(crate) fn opt_str(s: Option<&str>) -> Value {
    s.map(|s| Value::String(s.to_string())).unwrap_or(Value::Null)
}

/// Key/value tag pairs into a sorted map; pairs without a key are dropped.
pub(crate) fn tags<'a>(
    pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> BTreeMap<String, String> {
    pairs.into_iter().filter_map(|(k, v)| k.map(|k| (k.to_string(), v.unwrap_or_default().to_string()))).collect()
}

/// A JSON policy document as IAM returns it (URL-encoded) or as S3/KMS return it (plain JSON).
/// A document that does not parse is kept as its decoded string so nothing is silently lost.
pub(crate) fn policy_document(raw: &str) -> Value {
    let decoded = if raw.trim_start().starts_with('{') {
        raw.to_string()
    } else {
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
    };
    serde_json::from_str(&decoded).unwrap_or(Value::String(decoded))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_url_encoded_and_plain_policy_documents() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(policy_document(encoded), json!({"Version": "2012-10-17", "Statement": []}));
        assert_eq!(policy_document(r#"{"a":1}"#), json!({"a": 1}));
        assert_eq!(policy_document("not json"), json!("not json"));
    }

    #[test]
    fn formats_times_and_tags() {
        let dt = aws_smithy_types::DateTime::from_secs(0);
        assert_eq!(time(Some(&dt)), json!("1970-01-01T00:00:00Z"));
        assert_eq!(time(None), Value::Null);
        let t = tags([(Some("b"), Some("2")), (None, Some("x")), (Some("a"), None)]);
        assert_eq!(t.into_iter().collect::<Vec<_>>(), vec![("a".into(), "".into()), ("b".into(), "2".into())]);
    }
}
