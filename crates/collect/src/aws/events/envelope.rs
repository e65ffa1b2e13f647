//! The EventBridge envelope of a CloudTrail management event, parsed into an [`ApiCallEvent`].

use chrono::{DateTime, Utc};
use palisade_model::{AccountId, Region};
use serde_json::{Map, Value};

/// SQS's own limit on a message body; a larger body is not an event Palisade sent itself there.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 256 * 1024;

/// The EventBridge `detail-type` of CloudTrail management events.
const API_CALL: &str = "AWS API Call via CloudTrail";

/// One CloudTrail management event as EventBridge delivers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiCallEvent {
    /// `detail.eventID`.
    pub event_id: String,
    /// `detail.eventTime`.
    pub event_time: DateTime<Utc>,
    /// `detail.eventSource`, e.g. `s3.amazonaws.com`.
    pub event_source: String,
    /// `detail.eventName`.
    pub event_name: String,
    /// `detail.recipientAccountId` (the account owning what was called), falling back to the
    /// envelope's `account` (emulators such as moto leave the former out).
    pub account_id: AccountId,
    /// `detail.awsRegion`, falling back to the envelope's `region`.
    pub region: Region,
    /// `detail.readOnly` (absent means false), or an event name starting with Get, List or Describe.
    pub read_only: bool,
    /// `detail.errorCode`: the call failed.
    pub error_code: Option<String>,
    /// `detail.requestParameters`, null when absent.
    pub request_parameters: Value,
    /// `detail.responseElements`, null when absent.
    pub response_elements: Value,
    /// `detail.userIdentity.arn`: who called. Some calls act on the caller when they name no one
    /// (an access key created without `userName` belongs to the caller, the root user included).
    pub caller_arn: Option<String>,
    /// The ARNs in `detail.resources`. Some services name there what the parameters only alias
    /// (KMS lists the key an alias points to).
    pub resource_arns: Vec<String>,
}

/// Why a message body is not an event Palisade can read. Each variant's text is one line, fit for
/// the dead-letter table.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum EventError {
    /// The body does not parse as JSON (a truncated body lands here); holds serde's reason.
    #[error("the message body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an EventBridge event, or a required field is missing or of the wrong type.
    #[error("the message is not an EventBridge CloudTrail event: {0}")]
    WrongShape(String),
    /// An EventBridge event of another `detail-type`.
    #[error("unexpected detail-type {0:?}: only \"AWS API Call via CloudTrail\" events are read")]
    UnknownEvent(String),
    /// The body is larger than the limit it was read with.
    #[error("the message body is {size} bytes, over the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
}

/// Parses one message body (the EventBridge event JSON), refusing bodies over `max_bytes`.
pub fn parse_event(body: &str, max_bytes: usize) -> Result<ApiCallEvent, EventError> {
    if body.len() > max_bytes {
        return Err(EventError::TooLarge { size: body.len(), limit: max_bytes });
    }
    let value: Value = serde_json::from_str(body).map_err(|e| EventError::NotJson(e.to_string()))?;
    let Value::Object(envelope) = value else {
        return Err(shape(format!("the message is {}, not an object", kind(&value))));
    };
    let detail_type = required_str(&envelope, "", "detail-type")?;
    if detail_type != API_CALL {
        return Err(EventError::UnknownEvent(shorten(detail_type)));
    }
    let detail = match envelope.get("detail") {
        Some(Value::Object(detail)) => detail,
        Some(other) => return Err(shape(format!("field \"detail\" is {}, not an object", kind(other)))),
        None => return Err(shape("field \"detail\" is missing".to_string())),
    };

    let event_id = required_str(detail, "detail.", "eventID")?.to_string();
    let time = required_str(detail, "detail.", "eventTime")?;
    let event_time = DateTime::parse_from_rfc3339(time)
        .map_err(|e| shape(format!("field \"detail.eventTime\" is not an RFC 3339 time ({e})")))?
        .with_timezone(&Utc);
    let event_source = required_str(detail, "detail.", "eventSource")?.to_string();
    let event_name = required_str(detail, "detail.", "eventName")?.to_string();

    let (account, account_field) = either(detail, "recipientAccountId", &envelope, "account")?;
    let account_id = AccountId::new(account).map_err(|e| shape(format!("field \"{account_field}\": {e}")))?;
    let (region, region_field) = either(detail, "awsRegion", &envelope, "region")?;
    let region = Region::new(region).map_err(|e| shape(format!("field \"{region_field}\": {e}")))?;

    let read_only = match detail.get("readOnly") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(shape(format!("field \"detail.readOnly\" is {}, not a boolean", kind(other)))),
    };
    let read_only = read_only || names_a_read(&event_name);
    let error_code = optional_str(detail, "detail.", "errorCode")?.map(str::to_string);

    Ok(ApiCallEvent {
        event_id,
        event_time,
        event_source,
        event_name,
        account_id,
        region,
        read_only,
        error_code,
        request_parameters: detail.get("requestParameters").cloned().unwrap_or(Value::Null),
        response_elements: detail.get("responseElements").cloned().unwrap_or(Value::Null),
        caller_arn: detail.get("userIdentity").and_then(|u| u.get("arn")).and_then(Value::as_str).map(str::to_string),
        resource_arns: resource_arns(detail.get("resources")),
    })
}

/// Get, List and Describe calls change nothing, whatever `readOnly` says.
fn names_a_read(event_name: &str) -> bool {
    ["Get", "List", "Describe"].iter().any(|verb| {
        event_name.strip_prefix(verb).is_some_and(|rest| rest.chars().next().is_none_or(|c| c.is_ascii_uppercase()))
    })
}

/// `detail.resources[].ARN`; entries of another shape are skipped (the field is informative only).
fn resource_arns(resources: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(items)) = resources else { return Vec::new() };
    items
        .iter()
        .filter_map(|r| r.get("ARN").or_else(|| r.get("arn")).and_then(Value::as_str))
        .filter(|arn| !arn.is_empty())
        .map(str::to_string)
        .collect()
}

fn shape(reason: String) -> EventError {
    EventError::WrongShape(reason)
}

/// A required string field; `prefix` names its parent in the error (`detail.`).
fn required_str<'a>(map: &'a Map<String, Value>, prefix: &str, key: &str) -> Result<&'a str, EventError> {
    optional_str(map, prefix, key)?.ok_or_else(|| shape(format!("field \"{prefix}{key}\" is missing")))
}

/// An optional string field: absent and null are `None`, another type is an error.
fn optional_str<'a>(map: &'a Map<String, Value>, prefix: &str, key: &str) -> Result<Option<&'a str>, EventError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(shape(format!("field \"{prefix}{key}\" is {}, not a string", kind(other)))),
    }
}

/// `detail.{key}`, else the envelope's `{fallback}`; returns the value and the field it came from.
fn either<'a>(
    detail: &'a Map<String, Value>,
    key: &str,
    envelope: &'a Map<String, Value>,
    fallback: &str,
) -> Result<(&'a str, String), EventError> {
    if let Some(v) = optional_str(detail, "detail.", key)? {
        return Ok((v, format!("detail.{key}")));
    }
    match optional_str(envelope, "", fallback)? {
        Some(v) => Ok((v, fallback.to_string())),
        None => Err(shape(format!("fields \"detail.{key}\" and \"{fallback}\" are both missing"))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Keeps a foreign value short in an error text.
fn shorten(s: &str) -> String {
    const MAX: usize = 100;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &s[..cut]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A minimal valid envelope to break one field at a time.
    fn envelope() -> Value {
        json!({
            "version": "0",
            "id": "6f9d3a0e-3c1a-4b8e-9d5e-0a1b2c3d4e5f",
            "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.s3",
            "account": "111122223333",
            "time": "2024-05-02T10:15:00Z",
            "region": "eu-west-1",
            "resources": [],
            "detail": {
                "eventTime": "2024-05-02T10:15:00Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": "PutBucketPolicy",
                "awsRegion": "eu-west-1",
                "eventID": "e1",
                "recipientAccountId": "111122223333",
                "requestParameters": {"bucketName": "b"},
                "responseElements": null,
                "readOnly": false,
            }
        })
    }

    fn parse(v: &Value) -> Result<ApiCallEvent, EventError> {
        parse_event(&v.to_string(), DEFAULT_MAX_EVENT_BYTES)
    }

    fn with(mutate: impl FnOnce(&mut Value)) -> Result<ApiCallEvent, EventError> {
        let mut v = envelope();
        mutate(&mut v);
        parse(&v)
    }

    fn wrong_shape_naming(result: Result<ApiCallEvent, EventError>, field: &str) {
        match result {
            Err(EventError::WrongShape(reason)) => assert!(reason.contains(field), "{reason:?} should name {field}"),
            other => panic!("expected WrongShape naming {field}, got {other:?}"),
        }
    }

    #[test]
    fn reads_every_field() {
        let mut v = envelope();
        v["detail"]["userIdentity"] = json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root"});
        v["detail"]["errorCode"] = json!("AccessDenied");
        v["detail"]["resources"] = json!([{"ARN": "arn:aws:s3:::b"}, {"type": "no arn"}]);
        let e = parse(&v).unwrap();
        assert_eq!(e.event_id, "e1");
        assert_eq!(e.event_time, DateTime::parse_from_rfc3339("2024-05-02T10:15:00Z").unwrap());
        assert_eq!((e.event_source.as_str(), e.event_name.as_str()), ("s3.amazonaws.com", "PutBucketPolicy"));
        assert_eq!((e.account_id.as_str(), e.region.as_str()), ("111122223333", "eu-west-1"));
        assert!(!e.read_only);
        assert_eq!(e.error_code.as_deref(), Some("AccessDenied"));
        assert_eq!(e.request_parameters, json!({"bucketName": "b"}));
        assert_eq!(e.response_elements, Value::Null);
        assert_eq!(e.caller_arn.as_deref(), Some("arn:aws:iam::111122223333:root"));
        assert_eq!(e.resource_arns, vec!["arn:aws:s3:::b".to_string()]);
    }

    #[test]
    fn account_and_region_fall_back_to_the_envelope() {
        // moto's events carry no top-level account: the detail's recipient is used.
        let e = with(|v| {
            v.as_object_mut().unwrap().remove("account");
            v["detail"]["recipientAccountId"] = json!("444455556666");
        })
        .unwrap();
        assert_eq!(e.account_id.as_str(), "444455556666");
        // The detail wins over the envelope when both are there.
        let e = with(|v| v["account"] = json!("999999999999")).unwrap();
        assert_eq!(e.account_id.as_str(), "111122223333");
        let e = with(|v| {
            let d = v["detail"].as_object_mut().unwrap();
            d.remove("recipientAccountId");
            d.remove("awsRegion");
        })
        .unwrap();
        assert_eq!((e.account_id.as_str(), e.region.as_str()), ("111122223333", "eu-west-1"));
        wrong_shape_naming(
            with(|v| {
                v.as_object_mut().unwrap().remove("account");
                v["detail"].as_object_mut().unwrap().remove("recipientAccountId");
            }),
            "recipientAccountId",
        );
        wrong_shape_naming(with(|v| v["detail"]["recipientAccountId"] = json!("12")), "detail.recipientAccountId");
        wrong_shape_naming(with(|v| v["detail"]["awsRegion"] = json!("Not A Region")), "detail.awsRegion");
    }

    #[test]
    fn absent_parts_read_as_null_and_false() {
        let e = with(|v| {
            let d = v["detail"].as_object_mut().unwrap();
            for key in ["requestParameters", "responseElements", "readOnly"] {
                d.remove(key);
            }
        })
        .unwrap();
        assert_eq!((e.request_parameters, e.response_elements, e.read_only), (Value::Null, Value::Null, false));
        assert_eq!((e.caller_arn, e.resource_arns), (None, Vec::new()));
    }

    #[test]
    fn reads_are_read_only_whatever_the_flag_says() {
        for (name, flag, expected) in [
            ("GetBucketPolicy", false, true),
            ("ListUsers", false, true),
            ("DescribeInstances", false, true),
            ("List", false, true),
            ("PutBucketPolicy", true, true),
            ("PutBucketPolicy", false, false),
            ("Getaway", false, false),
            ("ListenToMe", false, false),
        ] {
            let e = with(|v| {
                v["detail"]["eventName"] = json!(name);
                v["detail"]["readOnly"] = json!(flag);
            })
            .unwrap();
            assert_eq!(e.read_only, expected, "{name} readOnly={flag}");
        }
    }

    #[test]
    fn other_detail_types_are_unknown_events() {
        let got = with(|v| v["detail-type"] = json!("EC2 Instance State-change Notification"));
        assert_eq!(got, Err(EventError::UnknownEvent("EC2 Instance State-change Notification".into())));
        let long = "x".repeat(500);
        match with(|v| v["detail-type"] = json!(long)) {
            Err(EventError::UnknownEvent(t)) => assert_eq!(t.len(), 103),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bodies_that_are_not_json_say_so() {
        let body = envelope().to_string();
        let truncated = &body[..body.len() / 2];
        for bad in [truncated, "", "not json", "{\"detail-type\": "] {
            match parse_event(bad, DEFAULT_MAX_EVENT_BYTES) {
                Err(EventError::NotJson(reason)) => assert!(!reason.is_empty() && !reason.contains('\n')),
                other => panic!("{bad:?}: expected NotJson, got {other:?}"),
            }
        }
    }

    #[test]
    fn wrong_shapes_name_the_field() {
        wrong_shape_naming(parse(&json!([1, 2])), "an array");
        wrong_shape_naming(with(|v| v.as_object_mut().unwrap().clear()), "detail-type");
        wrong_shape_naming(with(|v| v["detail-type"] = json!(7)), "detail-type");
        wrong_shape_naming(with(|v| v["detail"] = json!("text")), "\"detail\" is a string");
        wrong_shape_naming(
            with(|v| {
                v.as_object_mut().unwrap().remove("detail");
            }),
            "\"detail\" is missing",
        );
        wrong_shape_naming(with(|v| v["detail"]["eventName"] = json!(42)), "detail.eventName\" is a number");
        wrong_shape_naming(with(|v| v["detail"]["eventSource"] = Value::Null), "detail.eventSource\" is missing");
        wrong_shape_naming(with(|v| v["detail"]["eventID"] = json!({})), "detail.eventID");
        wrong_shape_naming(with(|v| v["detail"]["eventTime"] = json!("yesterday")), "detail.eventTime");
        wrong_shape_naming(with(|v| v["detail"]["readOnly"] = json!("false")), "detail.readOnly");
        wrong_shape_naming(with(|v| v["detail"]["errorCode"] = json!(403)), "detail.errorCode");
    }

    #[test]
    fn oversized_bodies_are_refused_before_parsing() {
        let body = envelope().to_string();
        assert_eq!(parse_event(&body, body.len()).map(|e| e.event_id), Ok("e1".to_string()));
        assert_eq!(
            parse_event(&body, body.len() - 1),
            Err(EventError::TooLarge { size: body.len(), limit: body.len() - 1 })
        );
        // Size is checked first: an oversized non-JSON body is TooLarge, not NotJson.
        let junk = "x".repeat(DEFAULT_MAX_EVENT_BYTES + 1);
        assert!(matches!(parse_event(&junk, DEFAULT_MAX_EVENT_BYTES), Err(EventError::TooLarge { .. })));
    }

    #[test]
    fn error_texts_are_one_line() {
        let errors = [
            EventError::NotJson("EOF while parsing an object at line 1 column 10".into()),
            EventError::WrongShape("field \"detail\" is missing".into()),
            EventError::UnknownEvent("Scheduled Event".into()),
            EventError::TooLarge { size: 300_000, limit: 262_144 },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains('\n') && text.len() > 20, "{text:?}");
        }
        assert_eq!(
            EventError::TooLarge { size: 300_000, limit: 262_144 }.to_string(),
            "the message body is 300000 bytes, over the 262144-byte limit"
        );
    }
}
