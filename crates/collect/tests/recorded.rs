//! Collectors the emulator cannot serve, tested with recorded, real-API-shaped responses through
//! the SDK's own replay HTTP client: the requests are real SDK requests, the answers are what AWS
//! documents. The emulator (moto 5.2.5) has no IAM Access Analyzer.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use palisade_collect::aws::{AwsContext, AwsService, ContextOptions};
use palisade_collect::{Collected, Emitter};
use palisade_model::Region;

const CALLER_IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::111122223333:assumed-role/PalisadeReadOnly/palisade</Arn>
    <UserId>AROAEXAMPLE:palisade</UserId>
    <Account>111122223333</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

fn event(content_type: &str, body: &str) -> ReplayEvent {
    ReplayEvent::new(
        http::Request::builder().uri("https://example.invalid/").body(SdkBody::empty()).unwrap(),
        http::Response::builder().status(200).header("content-type", content_type).body(SdkBody::from(body)).unwrap(),
    )
}

async fn collect_access_analyzer(list_analyzers: &str) -> (Vec<serde_json::Value>, StaticReplayClient) {
    let http =
        StaticReplayClient::new(vec![event("text/xml", CALLER_IDENTITY), event("application/json", list_analyzers)]);
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .region(aws_config::Region::new("us-east-1"))
        .test_credentials()
        .load()
        .await;
    let ctx = AwsContext::new(sdk, ContextOptions { label: "Prod".into(), ..ContextOptions::default() }).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let emitter = Emitter::new(tx);
    AwsService::AccessAnalyzer.collect(&ctx, &Region::new("us-east-1").unwrap(), &emitter).await.unwrap();
    drop(emitter);
    let mut out = Vec::new();
    while let Some(item) = rx.recv().await {
        match item {
            Collected::Resource(r) => {
                assert_eq!(
                    (r.account_id.as_str(), r.resource_type.as_str()),
                    ("111122223333", "AWS.Region.AccessAnalyzer")
                );
                out.push(r.attributes);
            }
            Collected::Error(e) => panic!("unexpected scan error {e:?}"),
        }
    }
    (out, http)
}

#[tokio::test]
async fn an_active_account_analyzer_enables_the_region() {
    let body = r#"{"analyzers": [{"arn": "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/ConsoleAnalyzer",
        "name": "ConsoleAnalyzer", "type": "ACCOUNT", "status": "ACTIVE", "createdAt": "2024-01-02T03:04:05Z"}]}"#;
    let (resources, http) = collect_access_analyzer(body).await;
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0]["Enabled"], true);
    assert_eq!(resources[0]["Analyzers"][0]["Type"], "ACCOUNT");
    assert_eq!(resources[0]["Analyzers"][0]["Name"], "ConsoleAnalyzer");
    let sent: Vec<String> = http.actual_requests().map(|r| r.uri().to_string()).collect();
    assert!(sent[1].contains("access-analyzer.us-east-1.amazonaws.com/analyzer"), "{sent:?}");
}

#[tokio::test]
async fn no_analyzer_leaves_the_region_disabled() {
    let (resources, _) = collect_access_analyzer(r#"{"analyzers": []}"#).await;
    assert_eq!(resources[0]["Enabled"], false);
    assert_eq!(resources[0]["Analyzers"], serde_json::json!([]));
}
