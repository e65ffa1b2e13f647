//! Security Hub collector against the emulator: subscribed in one region, not in another; each
//! region's settings resource, fetch by reference, and the calls made.
//!
//! moto 5.2.5 answers DescribeHub but not GetEnabledStandards (HTTP 404), so in a subscribed
//! region the collector records a scan error for that call and emits `EnabledStandards: null`.
//! An emulator that serves the call (returning no standards) yields `[]` and no error instead;
//! the test accepts exactly those two outcomes.

use palisade_collect::aws::{ActionRecorder, AwsService, CORE_CALLS};
use palisade_collect::{Collected, Emitter};
use palisade_model::{Resource, ResourceId, ScanError};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};

const TYPE: &str = "AWS.Region.SecurityHub";

fn securityhub(acct: &TestAccount, region: &str) -> aws_sdk_securityhub::Client {
    let conf = aws_sdk_securityhub::config::Builder::from(&acct.sdk)
        .region(aws_types::region::Region::new(region.to_string()))
        .build();
    aws_sdk_securityhub::Client::from_conf(conf)
}

/// Runs the collector in `region`, expecting exactly the region's settings resource.
async fn collect(acct: &TestAccount, region: &str) -> (Resource, Vec<ScanError>) {
    let (mut resources, errors, result) = acct.collect(AwsService::SecurityHub, region).await;
    assert_eq!(result, Ok(()));
    assert_eq!(resources.len(), 1, "{resources:#?} {errors:?}");
    let r = resources.remove(0);
    assert_eq!(r.resource_type, TYPE);
    assert_eq!(r.id.as_str(), format!("arn:aws:securityhub:{region}:{}:region-settings", acct.account_id));
    assert_eq!((r.name.as_str(), r.region.as_str()), (region, region));
    assert_eq!(r.account_id.as_str(), acct.account_id);
    assert_eq!(r.label, "Test");
    (r, errors)
}

/// `EnabledStandards` with the errors that came with it: see the module comment.
fn check_standards(standards: &Value, errors: &[ScanError]) {
    match errors {
        [] => assert_eq!(standards, &json!([])),
        [e] => {
            assert_eq!((e.service.as_str(), e.operation.as_str()), ("securityhub", "GetEnabledStandards"), "{e:?}");
            assert_eq!(standards, &Value::Null);
        }
        more => panic!("unexpected scan errors: {more:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regions_say_whether_security_hub_is_enabled() {
    let acct = TestAccount::new().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    securityhub(&acct, "us-east-1").enable_security_hub().send().await.expect("enable security hub");

    // Compliant: subscribed.
    let (r, errors) = collect(&acct, "us-east-1").await;
    let a = &r.attributes;
    assert_eq!(a["Enabled"], json!(true));
    assert_eq!(a["HubArn"], json!(format!("arn:aws:securityhub:us-east-1:{}:hub/default", acct.account_id)));
    assert_eq!(a["AutoEnableControls"], json!(true));
    let subscribed = a["SubscribedAt"].as_str().expect("SubscribedAt is a string");
    assert!(subscribed.ends_with('Z'), "{subscribed}");
    let subscribed = chrono::DateTime::parse_from_rfc3339(subscribed).expect("RFC 3339");
    assert!(subscribed >= before && subscribed <= chrono::Utc::now(), "{subscribed}");
    check_standards(&a["EnabledStandards"], &errors);
    assert_eq!(a.as_object().map(|o| o.len()), Some(5));

    // Non-compliant: never subscribed. DescribeHub's "not subscribed" is an answer, not an error,
    // and no standards are asked for.
    let (r, errors) = collect(&acct, "eu-west-1").await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        r.attributes,
        json!({"Enabled": false, "HubArn": null, "SubscribedAt": null, "AutoEnableControls": null,
               "EnabledStandards": []})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_follows_subscription_and_calls_are_declared() {
    let acct = TestAccount::new().await;
    let region = "us-east-1";
    let client = securityhub(&acct, region);
    client.enable_security_hub().send().await.expect("enable security hub");

    let recorder = ActionRecorder::new();
    let ctx = acct.context_with(&[region], Some(recorder.clone())).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let emitter = Emitter::new(tx);
    AwsService::SecurityHub.collect(&ctx, &TestAccount::region(region), &emitter).await.expect("collect");
    drop(emitter);
    let (mut collected, mut errors) = (None, Vec::new());
    while let Some(item) = rx.recv().await {
        match item {
            Collected::Resource(r) => collected = Some(*r),
            Collected::Error(e) => errors.push(e),
        }
    }
    let collected = collected.expect("settings resource");
    check_standards(&collected.attributes["EnabledStandards"], &errors);
    let declared: Vec<(String, String)> = AwsService::SecurityHub
        .spec()
        .calls
        .iter()
        .chain(CORE_CALLS)
        .map(|c| (c.sdk_service.to_string(), c.operation.to_string()))
        .collect();
    let made = recorder.calls();
    for c in &made {
        assert!(declared.contains(c), "undeclared call {c:?}");
    }
    for op in ["DescribeHub", "GetEnabledStandards"] {
        assert!(made.contains(&("SecurityHub".to_string(), op.to_string())), "{op} was not called");
    }

    let fetched = AwsService::SecurityHub.fetch(&ctx, &collected.reference()).await.expect("fetch").expect("settings");
    assert_eq!(fetched.reference(), collected.reference());
    assert_eq!((fetched.name.as_str(), fetched.label.as_str()), (region, "Test"));
    assert_eq!(fetched.attributes, collected.attributes);

    // Unsubscribing shows on the next fetch.
    client.disable_security_hub().send().await.expect("disable security hub");
    let fetched = AwsService::SecurityHub.fetch(&ctx, &collected.reference()).await.expect("fetch").expect("settings");
    assert_eq!(fetched.attributes["Enabled"], json!(false));
    assert_eq!(fetched.attributes["EnabledStandards"], json!([]));

    let mut other = collected.reference();
    other.id = ResourceId::new(format!("arn:aws:securityhub:{region}:{}:hub/default", acct.account_id)).expect("id");
    assert!(AwsService::SecurityHub.fetch(&ctx, &other).await.expect("fetch other").is_none());
}
