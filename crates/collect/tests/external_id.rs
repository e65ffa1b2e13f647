//! The emulator ignores ExternalId, so this checks what Palisade sends through the SDK's own
//! request-capturing HTTP client: assuming a source's role carries its ExternalId and a session
//! name that names the source, with Palisade's own credentials.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::test_util::capture_request;
use palisade_collect::aws::{AwsConnector, ContextOptions};
use palisade_model::{AccountId, Source};

fn source(external_id: Option<&str>) -> Source {
    Source {
        name: "prod-main".into(),
        account_id: AccountId::new("111122223333").unwrap(),
        label: "Prod".into(),
        role_arn: Some("arn:aws:iam::111122223333:role/PalisadeReadOnly".into()),
        external_id: external_id.map(str::to_string),
        regions: vec![],
        realtime: false,
        remediation: false,
        enabled: true,
        schedule: "@daily".into(),
        next_run_at: None,
        created_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn assume_role_sends_the_sources_external_id() {
    let (http, requests) = capture_request(None);
    let base = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(aws_config::Region::new("us-east-1"))
        .test_credentials()
        .load()
        .await;
    let connector = AwsConnector::from_config(base);
    // The captured exchange answers with an empty body, so the context cannot be built; the
    // request that was sent is what this test is about.
    let _ = connector.context_for(&source(Some("7f3a9c-ext")), ContextOptions::default()).await;
    let request = requests.expect_request();
    let body = std::str::from_utf8(request.body().bytes().expect("in-memory body")).unwrap().to_string();
    assert!(body.contains("Action=AssumeRole"), "{body}");
    assert!(body.contains("ExternalId=7f3a9c-ext"), "{body}");
    assert!(body.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FPalisadeReadOnly"), "{body}");
    assert!(body.contains("RoleSessionName=palisade-prod-main"), "{body}");
    let auth = request.headers().get("authorization").unwrap_or_default();
    assert!(auth.contains("Credential=ANOTREAL/"), "signed with Palisade's own (test) credentials: {auth}");
}

#[tokio::test]
async fn a_source_without_external_id_sends_none() {
    let (http, requests) = capture_request(None);
    let base = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(aws_config::Region::new("us-east-1"))
        .test_credentials()
        .load()
        .await;
    let _ = AwsConnector::from_config(base).context_for(&source(None), ContextOptions::default()).await;
    let request = requests.expect_request();
    let body = std::str::from_utf8(request.body().bytes().expect("in-memory body")).unwrap().to_string();
    assert!(body.contains("Action=AssumeRole") && !body.contains("ExternalId"), "{body}");
}
