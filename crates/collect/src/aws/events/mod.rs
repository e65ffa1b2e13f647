//! CloudTrail events (as EventBridge delivers them) mapped to the resources they touch.
//!
//! [`parse_event`] reads a queue message body into an [`ApiCallEvent`]; [`interpret`] reads it
//! against the event table ([`rules`]) and says what to rescan. The table is declared per service
//! (one file each below, `table.rs` joins them) with the ids each collector builds, and
//! `docs/realtime-events.md` is its rendering ([`rules_markdown`]). No I/O: the engine fetches.

mod account;
mod cloudtrail;
mod ec2;
mod efs;
mod envelope;
mod iam;
mod kms;
mod locate;
mod monitoring;
mod organizations;
mod rds;
mod s3;
mod settings;
mod table;
#[cfg(test)]
mod testing;

pub use envelope::{parse_event, ApiCallEvent, EventError, DEFAULT_MAX_EVENT_BYTES};
pub use table::{interpret, rules, rules_markdown, Change, EventRule, Interpretation, Recollection};

#[cfg(test)]
mod tests {
    use super::testing::{event, fixture};
    use super::*;
    use serde_json::json;

    #[test]
    fn read_only_events_are_ignored() {
        let mut e = fixture("s3_put_bucket_policy.json");
        e.read_only = true;
        assert_eq!(interpret(&e), Interpretation::ReadOnly);
        let listed = event("s3.amazonaws.com", "ListBuckets", json!(null), json!(null));
        // Built in place, the flag is what counts; parsed, the name sets it (see envelope.rs).
        assert_eq!(interpret(&listed), Interpretation::Unmapped);
    }

    #[test]
    fn failed_calls_are_ignored_with_their_code() {
        let e = fixture("ec2_authorize_security_group_ingress_denied.json");
        assert_eq!(interpret(&e), Interpretation::Failed("Client.UnauthorizedOperation".into()));
    }

    #[test]
    fn writes_to_services_palisade_does_not_collect_are_unmapped() {
        let e = fixture("lambda_update_function_code.json");
        assert!(!e.read_only && e.error_code.is_none());
        assert_eq!(interpret(&e), Interpretation::Unmapped);
        // Same name, other service: the source is part of the key.
        let e = event(
            "lambda.amazonaws.com",
            "TagResource",
            json!({"resource": "arn:aws:lambda:us-east-1:1:function:f"}),
            json!(null),
        );
        assert_eq!(interpret(&e), Interpretation::Unmapped);
    }

    #[test]
    fn every_fixture_parses_and_is_a_write() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/aws/events/fixtures");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("fixtures")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(names.len() >= 20, "{names:?}");
        for name in names {
            let e = fixture(&name);
            assert!(!e.read_only, "{name}");
            let body = std::fs::read_to_string(dir.join(&name)).expect("fixture");
            assert!(body.len() < 4096, "{name} should stay small");
        }
    }
}
