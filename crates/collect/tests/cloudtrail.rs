//! CloudTrail collector against the emulator: a logging multi-region trail with validation, KMS
//! and S3 data events, a silent single-region trail, each collected once in its home region.

use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType, Tag};
use palisade_collect::aws::{ActionRecorder, AwsContext, AwsService, ContextOptions, CORE_CALLS};
use palisade_collect::{Collected, Emitter};
use palisade_model::{Region, Resource};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Runs the CloudTrail collector in `region` with an action recorder.
async fn collect(acct: &TestAccount, region: &str) -> (Vec<Resource>, usize, ActionRecorder) {
    let recorder = ActionRecorder::new();
    let opts = ContextOptions {
        source: "test".into(),
        label: "Test".into(),
        recorder: Some(recorder.clone()),
        ..ContextOptions::default()
    };
    let ctx = AwsContext::new(acct.sdk.clone(), opts).await.expect("context");
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let emitter = Emitter::new(tx);
    let drain = tokio::spawn(async move {
        let mut resources = Vec::new();
        while let Some(item) = rx.recv().await {
            match item {
                Collected::Resource(r) => resources.push(*r),
                Collected::Error(e) => panic!("unexpected scan error: {e:?}"),
            }
        }
        resources
    });
    let region = Region::new(region).expect("region");
    AwsService::CloudTrail.collect(&ctx, &region, &emitter).await.expect("collect cloudtrail");
    let errors = emitter.error_count();
    drop(emitter);
    (drain.await.expect("drain"), errors, recorder)
}

/// Checks that a status timestamp is present and RFC 3339, then blanks it: moto stamps
/// LatestDeliveryTime with the time of each call, so its exact value cannot be asserted.
fn take_time(status: &mut Value, field: &str) {
    let value = status[field].take();
    let text = value.as_str().unwrap_or_else(|| panic!("{field} should be a timestamp, got {value}"));
    chrono::DateTime::parse_from_rfc3339(text).unwrap_or_else(|e| panic!("{field} {text:?}: {e}"));
}

struct Planted {
    bucket: String,
    key_arn: String,
    org_arn: String,
    local_arn: String,
}

/// A log bucket, a KMS key, a logging multi-region trail in us-east-1 (validation, KMS, tags,
/// S3 data events) and a never-started single-region trail in eu-west-1.
async fn plant(acct: &TestAccount) -> Planted {
    let bucket = format!("p{}-trail-logs", acct.account_id);
    acct.s3("us-east-1").create_bucket().bucket(&bucket).send().await.expect("create bucket");
    let key = acct.kms("us-east-1").create_key().description("trail logs").send().await.expect("create key");
    let key_arn = key.key_metadata.and_then(|m| m.arn).expect("key arn");

    let us = acct.cloudtrail("us-east-1");
    let org = us
        .create_trail()
        .name("org-trail")
        .s3_bucket_name(&bucket)
        .s3_key_prefix("org")
        .is_multi_region_trail(true)
        .include_global_service_events(true)
        .enable_log_file_validation(true)
        .kms_key_id(&key_arn)
        .tags_list(Tag::builder().key("env").value("prod").build().expect("tag"))
        .send()
        .await
        .expect("create org trail");
    us.start_logging().name("org-trail").send().await.expect("start logging");
    let data = DataResource::builder().r#type("AWS::S3::Object").values(format!("arn:aws:s3:::{bucket}/")).build();
    let selector = EventSelector::builder()
        .read_write_type(ReadWriteType::All)
        .include_management_events(true)
        .data_resources(data)
        .build();
    us.put_event_selectors().trail_name("org-trail").event_selectors(selector).send().await.expect("put selectors");

    let local = acct
        .cloudtrail("eu-west-1")
        .create_trail()
        .name("eu-local")
        .s3_bucket_name(&bucket)
        .is_multi_region_trail(false)
        .send()
        .await
        .expect("create local trail");
    Planted {
        bucket,
        key_arn,
        org_arn: org.trail_arn.expect("org arn"),
        local_arn: local.trail_arn.expect("local arn"),
    }
}

fn org_attributes(p: &Planted) -> Value {
    json!({
        "Name": "org-trail",
        "TrailARN": p.org_arn,
        "HomeRegion": "us-east-1",
        "IsMultiRegionTrail": true,
        "IncludeGlobalServiceEvents": true,
        "LogFileValidationEnabled": true,
        "KmsKeyId": p.key_arn,
        "S3BucketName": p.bucket,
        "S3KeyPrefix": "org",
        "SnsTopicARN": null,
        "CloudWatchLogsLogGroupArn": null,
        "CloudWatchLogsRoleArn": null,
        "IsOrganizationTrail": false,
        // moto always answers false here; AWS says true once event selectors are customised.
        "HasCustomEventSelectors": false,
        "HasInsightSelectors": false,
        "Status": {
            "IsLogging": true,
            "LatestDeliveryTime": null,
            "LatestDeliveryError": null,
            "StartLoggingTime": null,
            "StopLoggingTime": null,
        },
        "EventSelectors": [{
            "ReadWriteType": "All",
            "IncludeManagementEvents": true,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": [format!("arn:aws:s3:::{}/", p.bucket)]}],
            "ExcludeManagementEventSources": [],
        }],
        "AdvancedEventSelectors": [],
    })
}

fn check_common(r: &Resource, acct: &TestAccount, region: &str) {
    assert_eq!(r.resource_type, "AWS.CloudTrail.Trail");
    assert_eq!(r.account_id.as_str(), acct.account_id);
    assert_eq!(r.label, "Test");
    assert_eq!(r.region.as_str(), region);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_trail_is_collected_once_in_its_home_region() {
    let acct = TestAccount::new().await;
    let p = plant(&acct).await;

    // us-east-1: only the multi-region trail homed there.
    let (us, errors, recorder) = collect(&acct, "us-east-1").await;
    assert_eq!(errors, 0);
    assert_eq!(us.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec![p.org_arn.as_str()]);
    let org = &us[0];
    check_common(org, &acct, "us-east-1");
    assert_eq!(org.name, "org-trail");
    assert_eq!(org.tags, BTreeMap::from([("env".to_string(), "prod".to_string())]));
    let mut attrs = org.attributes.clone();
    take_time(&mut attrs["Status"], "LatestDeliveryTime");
    take_time(&mut attrs["Status"], "StartLoggingTime");
    assert_eq!(attrs, org_attributes(&p));

    // eu-west-1: the multi-region trail also covers this region, but only its own trail is
    // collected here, so across both regions the multi-region trail appears once.
    let (eu, errors, _) = collect(&acct, "eu-west-1").await;
    assert_eq!(errors, 0);
    assert_eq!(eu.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec![p.local_arn.as_str()]);
    let local = &eu[0];
    check_common(local, &acct, "eu-west-1");
    assert_eq!(local.name, "eu-local");
    assert!(local.tags.is_empty());
    assert_eq!(
        local.attributes,
        json!({
            "Name": "eu-local",
            "TrailARN": p.local_arn,
            "HomeRegion": "eu-west-1",
            "IsMultiRegionTrail": false,
            "IncludeGlobalServiceEvents": true,
            "LogFileValidationEnabled": false,
            "KmsKeyId": null,
            "S3BucketName": p.bucket,
            "S3KeyPrefix": null,
            "SnsTopicARN": null,
            "CloudWatchLogsLogGroupArn": null,
            "CloudWatchLogsRoleArn": null,
            "IsOrganizationTrail": false,
            "HasCustomEventSelectors": false,
            "HasInsightSelectors": false,
            "Status": {
                "IsLogging": false,
                "LatestDeliveryTime": null,
                "LatestDeliveryError": null,
                "StartLoggingTime": null,
                "StopLoggingTime": null,
            },
            // moto starts a trail with no selectors; AWS would show its default management selector.
            "EventSelectors": [],
            "AdvancedEventSelectors": [],
        })
    );

    // Every call made is declared (context creation itself calls STS, a core call).
    let declared: Vec<(String, String)> = AwsService::CloudTrail
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
    for op in ["DescribeTrails", "GetTrailStatus", "GetEventSelectors", "ListTags"] {
        assert!(made.contains(&("CloudTrail".to_string(), op.to_string())), "{op} was not called");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_returns_one_trail_or_none() {
    let acct = TestAccount::new().await;
    let p = plant(&acct).await;
    let (us, _, _) = collect(&acct, "us-east-1").await;
    let (eu, _, _) = collect(&acct, "eu-west-1").await;
    let ctx = acct.context(&["us-east-1", "eu-west-1"]).await;

    let fetched = AwsService::CloudTrail.fetch(&ctx, &us[0].reference()).await.expect("fetch").expect("trail exists");
    assert_eq!(fetched.reference(), us[0].reference());
    check_common(&fetched, &acct, "us-east-1");
    assert_eq!(fetched.name, "org-trail");
    assert_eq!(fetched.tags, us[0].tags);
    let mut attrs = fetched.attributes.clone();
    take_time(&mut attrs["Status"], "LatestDeliveryTime");
    take_time(&mut attrs["Status"], "StartLoggingTime");
    assert_eq!(attrs, org_attributes(&p));

    acct.cloudtrail("eu-west-1").delete_trail().name("eu-local").send().await.expect("delete trail");
    assert!(AwsService::CloudTrail.fetch(&ctx, &eu[0].reference()).await.expect("fetch deleted").is_none());
}
