//! Shapes and helpers shared by the IAM unit tests.

use aws_smithy_types::DateTime;
use serde_json::Value;

pub(super) const DOC: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
pub(super) const DOC_ENCODED: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";

pub(super) fn t(secs: i64) -> DateTime {
    DateTime::from_secs(secs)
}

/// Compares a pure conversion's output with the expected JSON.
pub(super) fn check(actual: Value, expected: Value) {
    assert_eq!(actual, expected, "\nactual:   {actual:#}\nexpected: {expected:#}");
}
