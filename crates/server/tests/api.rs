//! The REST API in process, against a temporary store filled through the store's own API:
//! authentication and roles on every route, then each route's answers.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use palisade_model::{
    AccountId, FindingStatus, PolicyId, Region, Resource, ResourceId, ScanError, ScanErrorKind, Severity,
};
use palisade_server::auth::{generate_token, hash_token};
use palisade_server::routes::{Access, ROUTES};
use palisade_server::{router, ServerState};
use palisade_store::{NewFinding, SqliteStore, TokenRole};
use serde_json::{json, Value};
use std::path::PathBuf;
use tower::ServiceExt;

const ACCOUNT: &str = "123456789012";
const POLICY: &str = "AWS.S3.Bucket.Encryption";
// A resource id with a slash, so the detail route must be called URL-encoded.
const BUCKET_A: &str = "arn:aws:s3:::logs/a";
const BUCKET_B: &str = "arn:aws:s3:::b";

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    app: Router,
    admin: String,
    reader: String,
    revoked: String,
    first_scan: i64,
}

fn bucket(id: &str, encrypted: bool) -> Resource {
    Resource {
        id: ResourceId::new(id).unwrap(),
        resource_type: "AWS.S3.Bucket".into(),
        source: "prod".into(),
        account_id: AccountId::new(ACCOUNT).unwrap(),
        region: Region::new("us-east-1").unwrap(),
        label: "Prod".into(),
        name: id.rsplit(':').next().unwrap().into(),
        tags: Default::default(),
        attributes: json!({ "encrypted": encrypted }),
        collected_at: Utc::now(),
    }
}

/// One scan of `buckets` (each FAIL unless encrypted), publishing over the bucket scope.
fn scan(store: &mut SqliteStore, buckets: &[(&str, bool)], error: Option<ScanError>) -> i64 {
    let account = AccountId::new(ACCOUNT).unwrap();
    let region = Region::new("us-east-1").unwrap();
    let id = store.begin_scan("prod", &account, std::slice::from_ref(&region)).unwrap();
    let policy = PolicyId::new(POLICY).unwrap();
    let compliance = Default::default();
    let mut w = store.scan_writer(id);
    for (rid, encrypted) in buckets {
        let r = bucket(rid, *encrypted);
        w.stage_resource(&r).unwrap();
        let status = if *encrypted { FindingStatus::Pass } else { FindingStatus::Fail };
        w.stage_finding(&NewFinding {
            policy_id: &policy,
            title: "S3 bucket encryption",
            severity: Severity::High,
            compliance: &compliance,
            status,
            message: if *encrypted { "" } else { "bucket is not encrypted" },
            resource: &r,
        })
        .unwrap();
    }
    if let Some(e) = &error {
        w.record_error(e).unwrap();
    }
    w.commit(&account, &[("AWS.S3.Bucket".to_string(), "us-east-1".to_string())]).unwrap();
    id
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("palisade.db");
    let mut store = SqliteStore::open(&db).unwrap();
    let mut token = |role| {
        let t = generate_token().unwrap();
        let id = store.create_api_token("test", role, &hash_token(&t)).unwrap();
        (t, id)
    };
    let (admin, _) = token(TokenRole::Admin);
    let (reader, _) = token(TokenRole::ReadOnly);
    let (revoked, revoked_id) = token(TokenRole::Admin);
    store.revoke_api_token(revoked_id).unwrap();

    let denied = ScanError {
        service: "s3".into(),
        region: "us-east-1".into(),
        operation: "GetBucketPolicy".into(),
        kind: ScanErrorKind::AccessDenied,
        message: "denied".into(),
    };
    let first_scan = scan(&mut store, &[(BUCKET_A, false), (BUCKET_B, true)], Some(denied));
    // The second scan changes A and no longer sees B, which is swept as deleted.
    scan(&mut store, &[(BUCKET_A, true)], None);
    store.record_dead_letter("queue", "m-1", "not json", "{oops").unwrap();
    let prod = palisade_model::Source {
        name: "prod".into(),
        account_id: AccountId::new(ACCOUNT).unwrap(),
        label: "Prod".into(),
        role_arn: None,
        external_id: None,
        regions: vec![],
        realtime: false,
        remediation: false,
        enabled: true,
        schedule: "@daily".into(),
        next_run_at: None,
        created_at: Utc::now(),
    };
    store.add_source(&prod).unwrap().unwrap();

    let app = router(ServerState { db: Some(db.clone()), ..ServerState::default() });
    Fixture { _dir: dir, db, app, admin, reader, revoked, first_scan }
}

async fn call(app: &Router, method: &str, uri: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

/// A concrete URI for a route of the table, its path parameters naming objects of the fixture.
fn concrete(path: &str, scan_id: i64) -> String {
    path.replace("/resources/{id}", "/resources/arn:aws:s3:::b")
        .replace("{name}", "prod")
        .replace("{id}", &scan_id.to_string())
}

fn valid_source() -> Value {
    json!({ "name": "dev", "account_id": "210987654321", "label": "Dev", "regions": ["eu-west-1"] })
}

#[tokio::test]
async fn every_route_but_health_and_metrics_needs_a_valid_token() {
    let f = fixture();
    for route in ROUTES {
        let (method, uri) = (route.method.as_str().to_uppercase(), concrete(route.path, f.first_scan));
        let body = (route.method.as_str() == "post").then(valid_source);
        let (status, _) = call(&f.app, &method, &uri, None, body.clone()).await;
        if route.access == Access::Public {
            assert_eq!(status, StatusCode::OK, "{method} {uri}");
            continue;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri} without a token");
        let (status, err) = call(&f.app, &method, &uri, Some(&f.revoked), body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri} with a revoked token");
        assert!(err["error"].is_string(), "{err}");
        let (status, _) = call(&f.app, &method, &uri, Some("pal_not-a-token"), body.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {uri} with an unknown token");
        let (status, _) = call(&f.app, &method, &uri, Some(&f.reader), body).await;
        if route.access == Access::Admin {
            assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri} with a read-only token");
        } else {
            assert!(status.is_success(), "{method} {uri} with a read-only token: {status}");
        }
    }
    // The read-only attempts changed nothing: "prod" is still the only source.
    let store = SqliteStore::open(&f.db).unwrap();
    let names: Vec<String> = store.sources().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["prod"]);
}

#[tokio::test]
async fn tokens_record_when_they_were_used() {
    let f = fixture();
    let unused = |store: &SqliteStore| store.api_tokens().unwrap().iter().filter(|t| t.last_used_at.is_none()).count();
    assert_eq!(unused(&SqliteStore::open(&f.db).unwrap()), 3);
    let (status, _) = call(&f.app, "GET", "/api/v1/sources", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK);
    let store = SqliteStore::open(&f.db).unwrap();
    let reader = store.api_tokens().unwrap().into_iter().find(|t| t.role == TokenRole::ReadOnly).unwrap();
    assert!(reader.last_used_at.is_some());
    assert_eq!(unused(&store), 2);
}

#[tokio::test]
async fn sources_are_added_shown_listed_and_removed() {
    let f = fixture();
    let (status, created) = call(&f.app, "POST", "/api/v1/sources", Some(&f.admin), Some(valid_source())).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let external_id = created["external_id"].as_str().expect("generated external id returned once");
    assert_eq!(external_id.len(), 32);
    assert_eq!(created["source"]["role_arn"], "arn:aws:iam::210987654321:role/PalisadeReadOnly");
    assert_eq!(created["source"]["external_id_set"], true);
    let stored = SqliteStore::open(&f.db).unwrap().source("dev").unwrap().unwrap();
    assert_eq!(stored.external_id.as_deref(), Some(external_id));

    let (status, shown) = call(&f.app, "GET", "/api/v1/sources/dev", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["label"], "Dev");
    assert_eq!(shown["regions"], json!(["eu-west-1"]));
    assert!(shown.get("external_id").is_none(), "the external id is never shown again: {shown}");

    let (_, listed) = call(&f.app, "GET", "/api/v1/sources", Some(&f.reader), None).await;
    let names: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["dev", "prod"]);
    let prod = &listed["items"][1];
    assert_eq!(
        (prod["last_scan"]["status"].as_str(), prod["external_id_set"].as_bool()),
        (Some("completed"), Some(false))
    );

    let (status, _) = call(&f.app, "POST", "/api/v1/sources", Some(&f.admin), Some(valid_source())).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, _) = call(&f.app, "DELETE", "/api/v1/sources/dev", Some(&f.admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&f.app, "GET", "/api/v1/sources/dev", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&f.app, "DELETE", "/api/v1/sources/dev", Some(&f.admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_sources_are_400_with_the_reason() {
    let f = fixture();
    let cases = [
        (json!({ "name": "bad name!", "account_id": "210987654321", "label": "Dev" }), "invalid source name"),
        (json!({ "name": "dev", "account_id": "12345", "label": "Dev" }), "account"),
        (
            json!({ "name": "dev", "account_id": "210987654321", "label": "Dev",
                    "role_arn": "arn:aws:iam::111111111111:role/X" }),
            "belongs to account 111111111111",
        ),
        (json!({ "name": "dev", "account_id": "210987654321", "label": "Dev", "external_id": "x" }), "external id"),
        (json!({ "name": "dev", "account_id": "210987654321", "label": "Dev", "schedule": "every day" }), "schedule"),
        (json!({ "name": "dev", "account_id": "210987654321", "label": "Dev", "colour": "red" }), "unknown field"),
        (json!({ "name": "dev", "account_id": "210987654321" }), "label"),
    ];
    for (body, reason) in cases {
        let (status, err) = call(&f.app, "POST", "/api/v1/sources", Some(&f.admin), Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = err["error"].as_str().unwrap();
        assert!(message.contains(reason), "{body}: {message:?} should mention {reason:?}");
    }
    assert_eq!(SqliteStore::open(&f.db).unwrap().sources().unwrap().len(), 1, "only the fixture's source");
}

#[tokio::test]
async fn findings_are_filtered() {
    let f = fixture();
    let get = |q: &'static str| {
        let app = f.app.clone();
        let token = f.reader.clone();
        async move { call(&app, "GET", &format!("/api/v1/findings{q}"), Some(&token), None).await }
    };
    // B is deleted, so only A's finding is listed; it passed on the second scan.
    let (status, all) = get("").await;
    assert_eq!(status, StatusCode::OK);
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{all}");
    assert_eq!(items[0]["resource_id"], BUCKET_A);
    assert_eq!(items[0]["status"], "PASS");
    assert_eq!(items[0]["severity"], "HIGH");
    assert_eq!(all["next_offset"], Value::Null);

    for (query, expected) in [
        ("?status=PASS", 1),
        ("?status=FAIL", 0),
        ("?status=fail,pass", 1),
        ("?severity=HIGH", 1),
        ("?severity=low", 0),
        ("?min_severity=critical", 0),
        ("?min_severity=medium", 1),
        ("?policy_id=AWS.S3.Bucket.Encryption", 1),
        ("?policy_id=AWS.S3.Bucket.MFADelete", 0),
        ("?account_id=123456789012", 1),
        ("?account_id=999999999999", 0),
        ("?label=Prod", 1),
        ("?label=Dev", 0),
        ("?resource_type=AWS.S3.Bucket", 1),
        ("?resource_type=AWS.EC2.Instance", 0),
        ("?limit=1&offset=1", 0),
    ] {
        let (status, body) = get(query).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(body["items"].as_array().unwrap().len(), expected, "{query}: {body}");
    }
    for query in ["?status=MAYBE", "?severity=huge", "?sort=id", "?limit=0", "?limit=x"] {
        let (status, body) = get(query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
    }
}

#[tokio::test]
async fn resources_are_listed_and_shown_with_findings_and_history() {
    let f = fixture();
    let list = |q: &str| {
        let (app, token, uri) = (f.app.clone(), f.reader.clone(), format!("/api/v1/resources{q}"));
        async move { call(&app, "GET", &uri, Some(&token), None).await }
    };
    let ids = |v: &Value| {
        v["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let (status, all) = list("").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&all), [BUCKET_B, BUCKET_A]);
    assert!(all["items"][0].get("attributes").is_none(), "listings leave attributes out");
    assert_eq!(ids(&list("?status=live").await.1), [BUCKET_A]);
    assert_eq!(ids(&list("?status=deleted").await.1), [BUCKET_B]);
    assert_eq!(ids(&list("?type=AWS.S3.Bucket&account_id=123456789012&label=Prod&region=us-east-1").await.1).len(), 2);
    assert!(ids(&list("?region=eu-west-1").await.1).is_empty());
    assert!(ids(&list("?label=Dev").await.1).is_empty());
    let (_, page) = list("?limit=1").await;
    assert_eq!((ids(&page).len(), page["next_offset"].clone()), (1, json!(1)));
    assert_eq!(list("?status=gone").await.0, StatusCode::BAD_REQUEST);

    let (status, detail) = call(&f.app, "GET", "/api/v1/resources/arn:aws:s3:::logs%2Fa", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["resource"]["id"], BUCKET_A);
    assert_eq!(detail["resource"]["status"], "live");
    assert_eq!(detail["resource"]["attributes"], json!({ "encrypted": true }));
    assert_eq!(detail["findings"][0]["policy_id"], POLICY);
    let changes: Vec<&str> =
        detail["history"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert_eq!(changes, ["created", "modified"]);
    assert_eq!(detail["history"][0]["attributes"], json!({ "encrypted": false }));

    let (status, deleted) = call(&f.app, "GET", "/api/v1/resources/arn:aws:s3:::b", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted["resource"]["status"], "deleted");
    assert_eq!(deleted["history"].as_array().unwrap().last().unwrap()["change"], "deleted");

    let (status, _) = call(&f.app, "GET", "/api/v1/resources/nope", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn policies_carry_their_counts() {
    let f = fixture();
    let (status, body) = call(&f.app, "GET", "/api/v1/policies", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert!(items.len() > 10, "the whole built-in pack is listed");
    let encryption = items.iter().find(|p| p["id"] == POLICY).expect("the encryption policy");
    assert_eq!((encryption["pass"].clone(), encryption["fail"].clone()), (json!(1), json!(0)));
    assert!(encryption["title"].as_str().is_some_and(|t| !t.is_empty()));
    let other = items.iter().find(|p| p["id"] == "AWS.S3.Bucket.MFADelete").unwrap();
    assert_eq!((other["pass"].clone(), other["fail"].clone()), (json!(0), json!(0)));
}

#[tokio::test]
async fn scans_errors_and_dead_letters() {
    let f = fixture();
    let (status, body) = call(&f.app, "GET", "/api/v1/scans", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK);
    let scans = body["items"].as_array().unwrap();
    assert_eq!(scans.len(), 2);
    let first = scans.iter().find(|s| s["id"] == f.first_scan).unwrap();
    assert_eq!(first["kind"], "full");
    assert_eq!(first["status"], "completed");
    assert_eq!(first["errors"], 1);
    assert!(first["duration_seconds"].as_f64().is_some_and(|d| d >= 0.0));
    let (_, one) = call(&f.app, "GET", "/api/v1/scans?limit=1", Some(&f.reader), None).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);

    let uri = format!("/api/v1/scans/{}/errors", f.first_scan);
    let (status, errors) = call(&f.app, "GET", &uri, Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(errors["items"][0]["kind"], "access_denied");
    assert_eq!(errors["items"][0]["operation"], "GetBucketPolicy");
    assert_eq!(call(&f.app, "GET", "/api/v1/scans/999/errors", Some(&f.reader), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&f.app, "GET", "/api/v1/scans/x/errors", Some(&f.reader), None).await.0, StatusCode::BAD_REQUEST);

    let (status, letters) = call(&f.app, "GET", "/api/v1/dead-letters", Some(&f.reader), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(letters["items"][0]["reason"], "not json");
    assert_eq!(letters["items"][0]["body"], "{oops");
}

#[tokio::test]
async fn suppressions_are_added_listed_marked_and_removed() {
    let f = fixture();
    let body = json!({ "policy_id": POLICY, "resource_pattern": "arn:aws:s3:::logs/*", "reason": "log buckets" });
    let (status, created) = call(&f.app, "POST", "/api/v1/suppressions", Some(&f.admin), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((created["reason"].as_str(), created["active"].as_bool()), (Some("log buckets"), Some(true)));
    let id = created["id"].as_i64().unwrap();

    let (_, listed) = call(&f.app, "GET", "/api/v1/suppressions", Some(&f.reader), None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let (_, findings) = call(&f.app, "GET", "/api/v1/findings", Some(&f.reader), None).await;
    assert_eq!(
        (findings["items"][0]["suppressed"].as_bool(), findings["items"][0]["suppression_id"].as_i64()),
        (Some(true), Some(id))
    );
    for (query, expected) in [("?suppressed=true", 1), ("?suppressed=false", 0)] {
        let (_, body) = call(&f.app, "GET", &format!("/api/v1/findings{query}"), Some(&f.reader), None).await;
        assert_eq!(body["items"].as_array().unwrap().len(), expected, "{query}");
    }
    assert_eq!(
        call(&f.app, "GET", "/api/v1/findings?suppressed=maybe", Some(&f.reader), None).await.0,
        StatusCode::BAD_REQUEST
    );

    let past = (Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    for (body, reason) in [
        (json!({ "policy_id": "AWS.Nope", "resource_pattern": "*", "reason": "r" }), "no policy"),
        (json!({ "policy_id": POLICY, "resource_pattern": " ", "reason": "r" }), "resource_pattern"),
        (json!({ "policy_id": POLICY, "resource_pattern": "*", "reason": "" }), "reason"),
        (json!({ "policy_id": POLICY, "resource_pattern": "*", "reason": "r", "expires_at": past }), "past"),
        (json!({ "policy_id": POLICY, "resource_pattern": "*", "reason": "r", "why": 1 }), "unknown field"),
    ] {
        let (status, err) = call(&f.app, "POST", "/api/v1/suppressions", Some(&f.admin), Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(err["error"].as_str().unwrap().contains(reason), "{body}: {err}");
    }

    let uri = format!("/api/v1/suppressions/{id}");
    assert_eq!(call(&f.app, "DELETE", &uri, Some(&f.reader), None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(call(&f.app, "DELETE", &uri, Some(&f.admin), None).await.0, StatusCode::OK);
    assert_eq!(call(&f.app, "DELETE", &uri, Some(&f.admin), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&f.app, "DELETE", "/api/v1/suppressions/x", Some(&f.admin), None).await.0, StatusCode::BAD_REQUEST);
    let (_, findings) = call(&f.app, "GET", "/api/v1/findings", Some(&f.reader), None).await;
    assert_eq!(findings["items"][0]["suppressed"], false);
}

#[tokio::test]
async fn policies_are_disabled_and_enabled() {
    let f = fixture();
    let state = |items: &Value| {
        items["items"].as_array().unwrap().iter().find(|p| p["id"] == POLICY).unwrap()["enabled"].clone()
    };
    let (_, before) = call(&f.app, "GET", "/api/v1/policies", Some(&f.reader), None).await;
    assert_eq!(state(&before), json!(true));

    let disable = format!("/api/v1/policies/{POLICY}/disable");
    assert_eq!(call(&f.app, "POST", &disable, Some(&f.reader), None).await.0, StatusCode::FORBIDDEN);
    let (status, body) = call(&f.app, "POST", &disable, Some(&f.admin), None).await;
    assert_eq!((status, body["enabled"].clone(), body["changed"].clone()), (StatusCode::OK, json!(false), json!(true)));
    assert_eq!(call(&f.app, "POST", &disable, Some(&f.admin), None).await.1["changed"], false);
    let (_, after) = call(&f.app, "GET", "/api/v1/policies", Some(&f.reader), None).await;
    assert_eq!(state(&after), json!(false));
    let (_, findings) = call(&f.app, "GET", "/api/v1/findings", Some(&f.reader), None).await;
    assert!(findings["items"].as_array().unwrap().is_empty(), "a disabled policy's findings are removed: {findings}");
    assert!(SqliteStore::open(&f.db).unwrap().disabled_policies().unwrap().contains_key(POLICY));

    let (status, body) = call(&f.app, "POST", &format!("/api/v1/policies/{POLICY}/enable"), Some(&f.admin), None).await;
    assert_eq!((status, body["enabled"].clone()), (StatusCode::OK, json!(true)));
    assert!(SqliteStore::open(&f.db).unwrap().disabled_policies().unwrap().is_empty());
    assert_eq!(
        call(&f.app, "POST", "/api/v1/policies/AWS.No.Such/disable", Some(&f.admin), None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn findings_export_as_csv_with_the_cli_columns() {
    let f = fixture();
    let get = |q: &str| {
        let (app, token) = (f.app.clone(), f.reader.clone());
        let uri = format!("/api/v1/findings.csv{q}");
        async move {
            let req = Request::builder()
                .uri(uri)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let res = app.oneshot(req).await.unwrap();
            let (status, kind) = (res.status(), res.headers().get(header::CONTENT_TYPE).cloned());
            let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
            (status, kind, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let (status, kind, text) = get("").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.unwrap().to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], palisade_report::CSV_COLUMNS.join(","));
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with(&format!("{POLICY},")) && lines[1].contains(BUCKET_A), "{text}");
    assert_eq!(get("?status=FAIL").await.2.lines().count(), 1, "the header row even when nothing matches");
    assert_eq!(get("?limit=5").await.0, StatusCode::BAD_REQUEST, "the export is never paged");
}
