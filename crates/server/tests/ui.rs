//! The web UI in process: signing in and out, the session cookie, CSRF and roles on every form,
//! every page rendering (with hostile names escaped), the Add Account wizard, suppressing a
//! finding and disabling a policy. The browser-driven tests are in `crates/cli/tests/ui.rs`.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use chrono::Utc;
use palisade_model::{AccountId, FindingStatus, PolicyId, Region, Resource, ResourceId, Severity};
use palisade_server::auth::{generate_token, hash_token};
use palisade_server::{router, ServerState};
use palisade_store::{NewFinding, SqliteStore, TokenRole};
use serde_json::json;
use std::path::PathBuf;
use tower::ServiceExt;

const ACCOUNT: &str = "123456789012";
const POLICY: &str = "AWS.S3.Bucket.Encryption";
const HOSTILE: &str = "<script>alert('x')</script>";
const BUCKET: &str = "arn:aws:s3:::logs/<b>";

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    app: Router,
    admin: String,
    reader: String,
    scan: i64,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("palisade.db");
    let mut store = SqliteStore::open(&db).unwrap();
    let admin = generate_token().unwrap();
    store.create_api_token("alice", TokenRole::Admin, &hash_token(&admin)).unwrap();
    let reader = generate_token().unwrap();
    store.create_api_token("rob", TokenRole::ReadOnly, &hash_token(&reader)).unwrap();

    let account = AccountId::new(ACCOUNT).unwrap();
    let scan = store.begin_scan("prod", &account, &[]).unwrap();
    let resource = Resource {
        id: ResourceId::new(BUCKET).unwrap(),
        resource_type: "AWS.S3.Bucket".into(),
        source: "prod".into(),
        account_id: account.clone(),
        region: Region::new("us-east-1").unwrap(),
        label: "Prod".into(),
        name: HOSTILE.into(),
        tags: [("owner".to_string(), HOSTILE.to_string())].into_iter().collect(),
        attributes: json!({ "note": HOSTILE }),
        collected_at: Utc::now(),
    };
    let policy = PolicyId::new(POLICY).unwrap();
    let compliance = [("cis-aws-foundations-3.0".to_string(), vec!["2.1.1".to_string()])].into_iter().collect();
    let mut w = store.scan_writer(scan);
    w.stage_resource(&resource).unwrap();
    w.stage_finding(&NewFinding {
        policy_id: &policy,
        title: "S3 bucket encryption",
        severity: Severity::High,
        compliance: &compliance,
        status: FindingStatus::Fail,
        message: HOSTILE,
        resource: &resource,
    })
    .unwrap();
    w.commit(&account, &[]).unwrap();
    let prod = palisade_model::Source {
        name: "prod".into(),
        account_id: account,
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
    let state = ServerState { db: Some(db.clone()), ..ServerState::default() };
    Fixture { _dir: dir, db, app: router(state), admin, reader, scan }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
    }
    fn cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }
    /// The value of a hidden or text input named `name` in the page.
    fn field(&self, name: &str) -> String {
        let needle = format!("name=\"{name}\" value=\"");
        let start =
            self.body.find(&needle).unwrap_or_else(|| panic!("no field {name} in:\n{}", self.body)) + needle.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }
}

async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    host: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(uri).header(header::HOST, host);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let body = match form {
        Some(pairs) => {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish())
        }
        None => Body::empty(),
    };
    let res = app.clone().oneshot(req.body(body).unwrap()).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 22).await.unwrap();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

/// `name=value` of the cookie `name` set by a reply.
fn set_cookie(reply: &Reply, name: &str) -> String {
    reply
        .cookies()
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no cookie {name} in {:?}", reply.cookies()))
}

const HOST: &str = "127.0.0.1:8080";

/// A signed-in session: its cookie header and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(app: &Router, token: &str) -> Session {
    let form = send(app, "GET", "/login", HOST, None, None).await;
    let login_cookie = set_cookie(&form, "palisade_login");
    let login = form.field("login");
    let reply = send(
        app,
        "POST",
        "/login",
        HOST,
        Some(&login_cookie),
        Some(&[("login", &login), ("token", token), ("next", "/findings")]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.location(), "/findings");
    let cookie = set_cookie(&reply, "palisade_session");
    let page = send(app, "GET", "/", HOST, Some(&cookie), None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    Session { csrf: page.field("csrf"), cookie }
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_signing_out_ends_the_session() {
    let f = fixture();
    let anonymous = send(&f.app, "GET", "/findings?status=FAIL", HOST, None, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location(), "/login?next=%2Ffindings%3Fstatus%3DFAIL");

    // A wrong token, and a sign-in form that did not come from the login page, are refused.
    let form = send(&f.app, "GET", "/login", HOST, None, None).await;
    assert_eq!(form.status, StatusCode::OK);
    let login_cookie = set_cookie(&form, "palisade_login");
    let login = form.field("login");
    let wrong =
        send(&f.app, "POST", "/login", HOST, Some(&login_cookie), Some(&[("login", &login), ("token", "pal_wrong")]))
            .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("not valid"), "{}", wrong.body);
    assert!(wrong.cookies().iter().all(|c| !c.starts_with("palisade_session=")));
    let forged = send(&f.app, "POST", "/login", HOST, None, Some(&[("login", &login), ("token", &f.admin)])).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let reply = send(
        &f.app,
        "POST",
        "/login",
        HOST,
        Some(&login_cookie),
        Some(&[("login", &login), ("token", &f.admin), ("next", "https://evil.example/")]),
    )
    .await;
    assert_eq!((reply.status, reply.location()), (StatusCode::SEE_OTHER, "/"), "no open redirect");
    let cookie = reply.cookies().into_iter().find(|c| c.starts_with("palisade_session=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    // The store keys sessions by a hash of the id: the id itself finds nothing.
    let id = cookie.split(';').next().unwrap().trim_start_matches("palisade_session=").to_string();
    assert_eq!(id.len(), 64);
    assert!(SqliteStore::open(&f.db).unwrap().ui_session(&id, Utc::now()).unwrap().is_none());

    // Plain HTTP to a non-loopback host: no Secure (the browser would drop the cookie).
    let form = send(&f.app, "GET", "/login", "palisade.internal:8080", None, None).await;
    let lc = set_cookie(&form, "palisade_login");
    let reply = send(
        &f.app,
        "POST",
        "/login",
        "palisade.internal:8080",
        Some(&lc),
        Some(&[("login", &form.field("login")), ("token", &f.admin)]),
    )
    .await;
    assert!(reply.cookies().iter().any(|c| c.starts_with("palisade_session=") && !c.contains("Secure")));

    let s = sign_in(&f.app, &f.admin).await;
    let out = send(&f.app, "POST", "/logout", HOST, Some(&s.cookie), Some(&[("csrf", "nope")])).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN, "sign-out needs the CSRF token too");
    let out = send(&f.app, "POST", "/logout", HOST, Some(&s.cookie), Some(&[("csrf", &s.csrf)])).await;
    assert_eq!((out.status, out.location()), (StatusCode::SEE_OTHER, "/login?signed_out=1"));
    assert_eq!(send(&f.app, "GET", "/", HOST, Some(&s.cookie), None).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_page_renders_for_a_session_and_escapes_what_it_shows() {
    let f = fixture();
    let s = sign_in(&f.app, &f.admin).await;
    let resource = format!("/resource?id={}", form_urlencoded::byte_serialize(BUCKET.as_bytes()).collect::<String>());
    let scan = format!("/scans/{}", f.scan);
    let pages = [
        "/",
        "/sources",
        "/sources/prod",
        "/sources/new",
        "/resources",
        "/resources?type=AWS.S3.Bucket&status=all",
        &resource,
        "/findings",
        "/findings?status=any&sort=resource&dir=desc&min_severity=LOW",
        "/policies",
        "/policies?q=bucket&state=enabled",
        "/policies/AWS.S3.Bucket.Encryption",
        "/suppressions",
        "/suppressions/new?policy_id=AWS.S3.Bucket.Encryption&resource=x",
        "/scans",
        &scan,
    ];
    for page in pages {
        let reply = send(&f.app, "GET", page, HOST, Some(&s.cookie), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}: {}", reply.body);
        assert!(!reply.body.contains("<script>alert"), "{page} shows markup from the store unescaped");
        let csp = reply.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
        assert!(reply.body.contains("<main id=\"main\""), "{page}");
    }
    let detail = send(&f.app, "GET", &resource, HOST, Some(&s.cookie), None).await;
    assert!(
        detail.body.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "the hostile name is shown as text"
    );
    let overview = send(&f.app, "GET", "/", HOST, Some(&s.cookie), None).await;
    assert!(overview.body.contains("CIS"), "compliance per framework: {}", overview.body);

    for missing in ["/sources/nope", "/resource?id=nope", "/policies/AWS.Nope", "/scans/999", "/nowhere"] {
        assert_eq!(
            send(&f.app, "GET", missing, HOST, Some(&s.cookie), None).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    let csv = send(&f.app, "GET", "/findings.csv?status=FAIL", HOST, Some(&s.cookie), None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    let css = send(&f.app, "GET", "/assets/style.css", HOST, None, None).await;
    assert_eq!(css.status, StatusCode::OK, "assets need no session");
}

#[tokio::test]
async fn forms_need_the_sessions_csrf_token_and_an_admin() {
    let f = fixture();
    let admin = sign_in(&f.app, &f.admin).await;
    let reader = sign_in(&f.app, &f.reader).await;
    let suppress = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("policy_id", POLICY.to_string()),
            ("resource_pattern", BUCKET.to_string()),
            ("reason", "accepted".to_string()),
        ]
    };
    let pairs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let post = |cookie: String, form: Vec<(&'static str, String)>| {
        let app = f.app.clone();
        async move {
            let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send(&app, "POST", "/suppressions", HOST, Some(&cookie), Some(&refs)).await
        }
    };
    // No token, another session's token, and a read-only session are all refused.
    let none =
        post(admin.cookie.clone(), pairs(&suppress("")).into_iter().filter(|(k, _)| *k != "csrf").collect()).await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert_eq!(post(admin.cookie.clone(), pairs(&suppress(&reader.csrf))).await.status, StatusCode::FORBIDDEN);
    let ro = post(reader.cookie.clone(), pairs(&suppress(&reader.csrf))).await;
    assert_eq!(ro.status, StatusCode::FORBIDDEN);
    assert!(ro.body.contains("read-only"), "{}", ro.body);
    assert!(SqliteStore::open(&f.db).unwrap().suppressions().unwrap().is_empty());

    // A read-only session sees no form that changes anything.
    for page in ["/", "/sources", "/findings", "/policies", "/policies/AWS.S3.Bucket.Encryption", "/suppressions"] {
        let reply = send(&f.app, "GET", page, HOST, Some(&reader.cookie), None).await;
        assert_eq!(reply.body.matches("<form method=\"post\"").count(), 1, "{page}: only sign-out");
        assert!(!reply.body.contains("Add Account") || page == "/", "{page}");
    }
    assert_eq!(
        send(&f.app, "GET", "/sources/new", HOST, Some(&reader.cookie), None).await.status,
        StatusCode::FORBIDDEN
    );

    // The admin suppresses the finding: it is marked, and no longer counted as failing.
    let ok = post(admin.cookie.clone(), pairs(&suppress(&admin.csrf))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(ok.location().starts_with("/findings?notice=suppressed"));
    let listed = send(&f.app, "GET", ok.location(), HOST, Some(&admin.cookie), None).await;
    assert!(listed.body.contains("st-suppressed") && listed.body.contains("Suppression saved"), "{}", listed.body);
    let hidden = send(&f.app, "GET", "/findings?status=FAIL&suppressed=false", HOST, Some(&admin.cookie), None).await;
    assert!(hidden.body.contains("No finding matches"), "{}", hidden.body);
    let id = SqliteStore::open(&f.db).unwrap().suppressions().unwrap()[0].id;
    let bad = post(
        admin.cookie.clone(),
        vec![
            ("csrf", admin.csrf.clone()),
            ("policy_id", POLICY.into()),
            ("resource_pattern", "*".into()),
            ("reason", " ".into()),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("reason must say why"), "{}", bad.body);
    let removed = send(
        &f.app,
        "POST",
        &format!("/suppressions/{id}/delete"),
        HOST,
        Some(&admin.cookie),
        Some(&[("csrf", &admin.csrf)]),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(SqliteStore::open(&f.db).unwrap().suppressions().unwrap().is_empty());

    // Disabling a policy from its page.
    let uri = format!("/policies/{POLICY}/disable");
    assert_eq!(
        send(&f.app, "POST", &uri, HOST, Some(&reader.cookie), Some(&[("csrf", &reader.csrf)])).await.status,
        StatusCode::FORBIDDEN
    );
    let off = send(&f.app, "POST", &uri, HOST, Some(&admin.cookie), Some(&[("csrf", &admin.csrf)])).await;
    assert_eq!(
        (off.status, off.location()),
        (StatusCode::SEE_OTHER, "/policies/AWS.S3.Bucket.Encryption?notice=policy_disabled")
    );
    assert!(SqliteStore::open(&f.db).unwrap().disabled_policies().unwrap().contains_key(POLICY));
}

#[tokio::test]
async fn the_add_account_wizard_checks_generates_the_role_and_saves_the_source() {
    let f = fixture();
    let s = sign_in(&f.app, &f.admin).await;
    let step1 = |name: &'static str, account: &'static str| {
        vec![
            ("csrf", s.csrf.clone()),
            ("name", name.to_string()),
            ("account_id", account.to_string()),
            ("label", "Dev".to_string()),
            ("palisade_account_id", "111111111111".to_string()),
            ("realtime", "on".to_string()),
        ]
    };
    let post = |uri: &'static str, form: Vec<(&'static str, String)>| {
        let (app, cookie) = (f.app.clone(), s.cookie.clone());
        async move {
            let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send(&app, "POST", uri, HOST, Some(&cookie), Some(&refs)).await
        }
    };
    for (name, account, reason) in [
        ("dev", "12345", "12 digits"),
        ("bad name", "210987654321", "Invalid source name"),
        ("prod", "210987654321", "exists already"),
        ("dev", ACCOUNT, "already the source prod"),
    ] {
        let reply = post("/sources/new", step1(name, account)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name} {account}");
        assert!(reply.body.contains(reason), "{name} {account}: should say {reason:?}:\n{}", reply.body);
    }

    let review = post("/sources/new", step1("dev", "210987654321")).await;
    assert_eq!(review.status, StatusCode::OK, "{}", review.body);
    let external_id = review.field("external_id");
    assert_eq!(external_id.len(), 32);
    assert!(review.body.contains("quickcreate") && review.body.contains("create-stack-set"), "link and StackSet steps");

    let carried: Vec<(&'static str, String)> =
        ["name", "account_id", "label", "palisade_account_id", "external_id", "realtime"]
            .iter()
            .map(|k| (*k, review.field(k)))
            .chain([("csrf", s.csrf.clone())])
            .collect();
    let template = post("/sources/new/template", carried.clone()).await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("palisade-readonly-role-210987654321.json"));
    let doc: serde_json::Value = serde_json::from_str(&template.body).unwrap();
    assert_eq!(doc["Parameters"]["ExternalId"]["Default"], external_id);
    assert_eq!(doc["Parameters"]["PalisadeAccountId"]["Default"], "111111111111");
    assert!(doc["Resources"]["PalisadeReadOnlyRole"]["Type"] == "AWS::IAM::Role");
    let stackset = post("/sources/new/realtime/realtime-stackset.json", carried.clone()).await;
    assert_eq!(stackset.status, StatusCode::OK);
    assert!(serde_json::from_str::<serde_json::Value>(&stackset.body).unwrap()["Resources"].is_object());

    let saved = post("/sources", carried).await;
    assert_eq!(
        (saved.status, saved.location()),
        (StatusCode::SEE_OTHER, "/sources/dev?notice=source_added"),
        "{}",
        saved.body
    );
    let source = SqliteStore::open(&f.db).unwrap().source("dev").unwrap().expect("saved");
    assert_eq!(source.external_id.as_deref(), Some(external_id.as_str()), "the template and the source agree");
    assert_eq!(source.role_arn.as_deref(), Some("arn:aws:iam::210987654321:role/PalisadeReadOnly"));
    assert!(source.realtime && !source.remediation && source.enabled);
    let page = send(&f.app, "GET", saved.location(), HOST, Some(&s.cookie), None).await;
    assert!(page.body.contains("Baseline scan pending") && page.body.contains("data-refresh"), "{}", page.body);
}
