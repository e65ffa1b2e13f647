//! Test support: fixture envelopes, events built in place, and checks that an event yields
//! exactly the expected resources.

use super::{interpret, parse_event, ApiCallEvent, Interpretation, DEFAULT_MAX_EVENT_BYTES};
use palisade_model::{AccountId, Region};
use serde_json::Value;
use std::path::Path;

/// The account every fixture's event happens in.
pub(super) const ACCOUNT: &str = "111122223333";

pub(super) fn region(name: &str) -> Region {
    Region::new(name).expect("region")
}

/// The event in `fixtures/{name}`, parsed as the server parses a message body.
pub(super) fn fixture(name: &str) -> ApiCallEvent {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws/events/fixtures").join(name);
    let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_event(&body, DEFAULT_MAX_EVENT_BYTES).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A successful write event in `us-east-1` of [`ACCOUNT`], for variants of the fixtures.
pub(super) fn event(source: &str, name: &str, request: Value, response: Value) -> ApiCallEvent {
    ApiCallEvent {
        event_id: "test".into(),
        event_time: chrono::DateTime::parse_from_rfc3339("2024-05-02T10:15:00Z").expect("time").to_utc(),
        event_source: source.into(),
        event_name: name.into(),
        account_id: AccountId::new(ACCOUNT).expect("account"),
        region: region("us-east-1"),
        read_only: false,
        error_code: None,
        request_parameters: request,
        response_elements: response,
        caller_arn: None,
        resource_arns: Vec::new(),
    }
}

/// The (type, region, id) of each resource `interpret` rescans, sorted; panics on any other answer.
pub(super) fn rescanned(e: &ApiCallEvent) -> Vec<(String, String, String)> {
    match interpret(e) {
        Interpretation::Rescan(refs) => {
            assert!(!refs.is_empty(), "an empty rescan");
            for r in &refs {
                assert_eq!(r.account_id.as_str(), e.account_id.as_str(), "{r:?}");
            }
            let mut got: Vec<_> = refs
                .into_iter()
                .map(|r| (r.resource_type, r.region.as_str().to_string(), r.id.as_str().to_string()))
                .collect();
            got.sort();
            got
        }
        other => panic!("{} {}: expected a rescan, got {other:?}", e.event_source, e.event_name),
    }
}

/// Asserts that `e` rescans exactly `expected` (type, region, id), in any order, each once.
pub(super) fn check(e: &ApiCallEvent, expected: &[(&str, &str, &str)]) {
    let mut want: Vec<_> = expected.iter().map(|(t, r, i)| (t.to_string(), r.to_string(), i.to_string())).collect();
    want.sort();
    assert_eq!(rescanned(e), want, "{} {}", e.event_source, e.event_name);
}

/// The reason `interpret` gives for an unresolvable event; panics on any other answer.
pub(super) fn unresolvable(e: &ApiCallEvent) -> String {
    match interpret(e) {
        Interpretation::Unresolvable(reason) => reason,
        other => panic!("{} {}: expected unresolvable, got {other:?}", e.event_source, e.event_name),
    }
}
