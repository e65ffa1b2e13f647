//! AWS Config collector against the emulator: one region recording every supported type with a
//! delivery channel, one recording only some types, one with nothing configured; each region's
//! settings resource, fetch by reference, and the calls made.

use aws_sdk_config::types::{ConfigurationRecorder, DeliveryChannel, RecordingGroup, ResourceType};
use palisade_collect::aws::{ActionRecorder, AwsService, CORE_CALLS};
use palisade_collect::{Collected, Emitter};
use palisade_model::{Resource, ResourceId};
use palisade_testkit::TestAccount;
use serde_json::json;

const TYPE: &str = "AWS.Region.Config";

fn config(acct: &TestAccount, region: &str) -> aws_sdk_config::Client {
    let conf = aws_sdk_config::config::Builder::from(&acct.sdk)
        .region(aws_types::region::Region::new(region.to_string()))
        .build();
    aws_sdk_config::Client::from_conf(conf)
}

/// Runs the collector in `region`, expecting exactly the region's settings resource.
async fn collect(acct: &TestAccount, region: &str) -> Resource {
    let (mut resources, errors, result) = acct.collect(AwsService::Config, region).await;
    assert_eq!(result, Ok(()));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(resources.len(), 1, "{resources:#?}");
    let r = resources.remove(0);
    assert_eq!(r.resource_type, TYPE);
    assert_eq!(r.id.as_str(), format!("arn:aws:config:{region}:{}:region-settings", acct.account_id));
    assert_eq!((r.name.as_str(), r.region.as_str()), (region, region));
    assert_eq!(r.account_id.as_str(), acct.account_id);
    assert_eq!(r.label, "Test");
    assert!(r.tags.is_empty());
    r
}

/// Plants a recorder (started) and, if `bucket` is given, a delivery channel to it (the
/// emulator does not check that the bucket exists).
async fn plant(acct: &TestAccount, region: &str, name: &str, group: RecordingGroup, bucket: Option<&str>) {
    let client = config(acct, region);
    let role = format!("arn:aws:iam::{}:role/aws-config", acct.account_id);
    let recorder = ConfigurationRecorder::builder().name(name).role_arn(role).recording_group(group).build();
    client.put_configuration_recorder().configuration_recorder(recorder).send().await.expect("recorder");
    if let Some(bucket) = bucket {
        let channel = DeliveryChannel::builder().name("default").s3_bucket_name(bucket).build();
        client.put_delivery_channel().delivery_channel(channel).send().await.expect("delivery channel");
    }
    client.start_configuration_recorder().configuration_recorder_name(name).send().await.expect("start recorder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regions_say_whether_config_records_everything() {
    let acct = TestAccount::new().await;
    let role = format!("arn:aws:iam::{}:role/aws-config", acct.account_id);
    let bucket = format!("palisade-config-{}", acct.account_id);

    // Compliant: all supported types, global ones included, recording, delivered to S3.
    let all = RecordingGroup::builder().all_supported(true).include_global_resource_types(true).build();
    plant(&acct, "us-east-1", "default", all, Some(&bucket)).await;
    // Non-compliant: recording and delivering, but only two resource types.
    let some = RecordingGroup::builder()
        .all_supported(false)
        .include_global_resource_types(false)
        .resource_types(ResourceType::Bucket)
        .resource_types(ResourceType::Instance)
        .build();
    plant(&acct, "us-west-2", "partial", some, Some(&format!("{bucket}-w2"))).await;

    // moto reports a just-started recorder's LastStatus as "PENDING" (AWS says "Pending").
    let r = collect(&acct, "us-east-1").await;
    assert_eq!(
        r.attributes,
        json!({
            "Enabled": true,
            "Recorders": [{
                "Name": "default", "RoleARN": role,
                "RecordingGroup": {"AllSupported": true, "IncludeGlobalResourceTypes": true, "ResourceTypes": []},
                "Status": {"Recording": true, "LastStatus": "PENDING", "LastErrorCode": null},
            }],
            "DeliveryChannels": [{"Name": "default", "S3BucketName": bucket, "SnsTopicARN": null}],
        })
    );

    let r = collect(&acct, "us-west-2").await;
    assert_eq!(r.attributes["Enabled"], json!(false));
    assert_eq!(
        r.attributes["Recorders"][0]["RecordingGroup"],
        json!({"AllSupported": false, "IncludeGlobalResourceTypes": false,
               "ResourceTypes": ["AWS::S3::Bucket", "AWS::EC2::Instance"]})
    );
    assert_eq!(r.attributes["Recorders"][0]["Status"]["Recording"], json!(true));
    assert_eq!(r.attributes["DeliveryChannels"].as_array().map(Vec::len), Some(1));

    // Non-compliant: nothing configured at all.
    let r = collect(&acct, "eu-west-1").await;
    assert_eq!(r.attributes, json!({"Enabled": false, "Recorders": [], "DeliveryChannels": []}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_recorder_is_not_enabled_and_fetch_sees_the_change() {
    let acct = TestAccount::new().await;
    let region = "us-east-1";
    let all = RecordingGroup::builder().all_supported(true).include_global_resource_types(true).build();
    plant(&acct, region, "default", all, Some(&format!("palisade-config-{}", acct.account_id))).await;

    // The calls made are the declared ones, all three of them.
    let recorder = ActionRecorder::new();
    let ctx = acct.context_with(&[region], Some(recorder.clone())).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let emitter = Emitter::new(tx);
    AwsService::Config.collect(&ctx, &TestAccount::region(region), &emitter).await.expect("collect");
    drop(emitter);
    let mut collected = None;
    while let Some(item) = rx.recv().await {
        match item {
            Collected::Resource(r) => collected = Some(*r),
            Collected::Error(e) => panic!("unexpected scan error: {e:?}"),
        }
    }
    let collected = collected.expect("settings resource");
    assert_eq!(collected.attributes["Enabled"], json!(true));
    let declared: Vec<(String, String)> = AwsService::Config
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
    for c in AwsService::Config.spec().calls {
        assert!(made.contains(&(c.sdk_service.to_string(), c.operation.to_string())), "{} not called", c.operation);
    }

    config(&acct, region)
        .stop_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .expect("stop recorder");
    let fetched = AwsService::Config.fetch(&ctx, &collected.reference()).await.expect("fetch").expect("settings");
    assert_eq!(fetched.reference(), collected.reference());
    assert_eq!((fetched.name.as_str(), fetched.label.as_str()), (region, "Test"));
    assert_eq!(fetched.attributes["Enabled"], json!(false));
    assert_eq!(fetched.attributes["Recorders"][0]["Status"]["Recording"], json!(false));

    // Any other id in the region is not a Config settings resource.
    let mut other = collected.reference();
    other.id = ResourceId::new(format!("arn:aws:config:{region}:{}:something-else", acct.account_id)).expect("id");
    assert!(AwsService::Config.fetch(&ctx, &other).await.expect("fetch other").is_none());
}
