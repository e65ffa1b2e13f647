//! Monitoring collector against the emulator: trails (one multi-region to a CloudWatch Logs
//! group, others not), metric filters for CIS patterns, alarms with SNS actions and a confirmed
//! subscription, all gathered into the one `AWS.Account.Monitoring` resource.

use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, ReadWriteType,
};
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;
use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLocationConstraint, BucketLoggingStatus, CreateBucketConfiguration, LoggingEnabled,
};
use palisade_collect::aws::{ActionRecorder, AwsService};
use palisade_collect::{Collected, Emitter};
use palisade_model::{AccountId, Region, Resource, ResourceId, ResourceRef, ScanError};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const REGION: &str = "us-east-1";
const WEST: &str = "eu-west-1";
const NAMESPACE: &str = "CISBenchmark";
const ROOT_PATTERN: &str =
    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
const UNAUTHORIZED_PATTERN: &str = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
const TRAIL_PATTERN: &str = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";

fn logs(acct: &TestAccount, region: &str) -> aws_sdk_cloudwatchlogs::Client {
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&acct.sdk)
        .region(aws_types::region::Region::new(region.to_string()))
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(conf)
}

fn cloudwatch(acct: &TestAccount, region: &str) -> aws_sdk_cloudwatch::Client {
    let conf = aws_sdk_cloudwatch::config::Builder::from(&acct.sdk)
        .region(aws_types::region::Region::new(region.to_string()))
        .build();
    aws_sdk_cloudwatch::Client::from_conf(conf)
}

fn sns(acct: &TestAccount, region: &str) -> aws_sdk_sns::Client {
    let conf = aws_sdk_sns::config::Builder::from(&acct.sdk)
        .region(aws_types::region::Region::new(region.to_string()))
        .build();
    aws_sdk_sns::Client::from_conf(conf)
}

/// Runs the monitoring collector through a recording context.
async fn collect(acct: &TestAccount, recorder: &ActionRecorder) -> (Vec<Resource>, Vec<ScanError>) {
    let ctx = acct.context_with(&[REGION], Some(recorder.clone())).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let out = Emitter::new(tx);
    AwsService::Monitoring.collect(&ctx, &TestAccount::region(REGION), &out).await.expect("collect");
    drop(out);
    let (mut resources, mut errors) = (Vec::new(), Vec::new());
    while let Some(item) = rx.recv().await {
        match item {
            Collected::Resource(r) => resources.push(*r),
            Collected::Error(e) => errors.push(e),
        }
    }
    (resources, errors)
}

/// The one monitoring resource, stamped with the account, and no scan errors.
async fn monitoring(acct: &TestAccount, recorder: &ActionRecorder) -> Resource {
    let (mut resources, errors) = collect(acct, recorder).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(resources.len(), 1, "one AWS.Account.Monitoring per account: {resources:?}");
    let r = resources.remove(0);
    assert_eq!(r.resource_type, "AWS.Account.Monitoring");
    assert_eq!(r.id.as_str(), format!("arn:aws:cloudwatch::{}:monitoring", acct.account_id));
    assert_eq!(r.name, "monitoring");
    assert_eq!(r.account_id.as_str(), acct.account_id);
    assert_eq!(r.label, "Test");
    assert!(r.region.is_global());
    assert!(r.tags.is_empty());
    r
}

fn field(name: &str, equals: &str) -> AdvancedFieldSelector {
    AdvancedFieldSelector::builder().field(name).equals(equals).build().expect("field selector")
}

fn term(field: &str, cmp: &str, value: &str) -> Value {
    json!({"field": field, "cmp": cmp, "value": value})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_account_has_nothing_to_monitor_with() {
    let acct = TestAccount::new().await;
    let r = monitoring(&acct, &ActionRecorder::new()).await;
    assert_eq!(r.attributes, json!({"Trails": [], "LogGroups": [], "Alarms": [], "Topics": {}}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collects_trails_filters_alarms_and_subscriptions() {
    let acct = TestAccount::new().await;
    let account = acct.account_id.clone();
    let (s3, s3_west) = (acct.s3(REGION), acct.s3(WEST));
    let (trails, trails_west) = (acct.cloudtrail(REGION), acct.cloudtrail(WEST));
    let (logs, cloudwatch, sns) = (logs(&acct, REGION), cloudwatch(&acct, REGION), sns(&acct, REGION));

    // Buckets: the main trail's has access logging (CIS 3.4), the others' do not.
    let (trail_bucket, west_bucket, access_logs) =
        (format!("trail-{account}"), format!("trail-west-{account}"), format!("access-logs-{account}"));
    s3.create_bucket().bucket(&trail_bucket).send().await.expect("trail bucket");
    s3.create_bucket()
        .bucket(&access_logs)
        .acl(BucketCannedAcl::from("log-delivery-write"))
        .send()
        .await
        .expect("access log bucket");
    s3.put_bucket_logging()
        .bucket(&trail_bucket)
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .logging_enabled(
                    LoggingEnabled::builder().target_bucket(&access_logs).target_prefix("trail/").build().unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .expect("bucket logging");
    s3_west
        .create_bucket()
        .bucket(&west_bucket)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::EuWest1).build(),
        )
        .send()
        .await
        .expect("west bucket");

    // The log group the main trail sends to, and one no trail uses.
    logs.create_log_group().log_group_name("cis-trail").send().await.expect("log group");
    logs.create_log_group().log_group_name("app").send().await.expect("other log group");
    let group_arn = logs
        .describe_log_groups()
        .log_group_name_prefix("cis-trail")
        .send()
        .await
        .expect("describe log groups")
        .log_groups()[0]
        .arn()
        .expect("log group arn")
        .to_string();

    // main: multi-region, logging, all management events and S3 object events, to CloudWatch Logs.
    let main = trails
        .create_trail()
        .name("main")
        .s3_bucket_name(&trail_bucket)
        .is_multi_region_trail(true)
        .cloud_watch_logs_log_group_arn(&group_arn)
        .cloud_watch_logs_role_arn(format!("arn:aws:iam::{account}:role/cloudtrail-logs"))
        .send()
        .await
        .expect("main trail");
    let main_arn = main.trail_arn().expect("arn").to_string();
    trails.start_logging().name("main").send().await.expect("start logging");
    trails
        .put_event_selectors()
        .trail_name("main")
        .event_selectors(
            EventSelector::builder()
                .read_write_type(ReadWriteType::All)
                .include_management_events(true)
                .data_resources(DataResource::builder().r#type("AWS::S3::Object").values("arn:aws:s3").build())
                .build(),
        )
        .send()
        .await
        .expect("main event selectors");
    // regional: this region only, not logging, write-only management events.
    let regional = trails.create_trail().name("regional").s3_bucket_name(&trail_bucket).send().await.expect("regional");
    let regional_arn = regional.trail_arn().expect("arn").to_string();
    trails
        .put_event_selectors()
        .trail_name("regional")
        .event_selectors(
            EventSelector::builder().read_write_type(ReadWriteType::WriteOnly).include_management_events(true).build(),
        )
        .send()
        .await
        .expect("regional event selectors");
    // west: homed in eu-west-1 and multi-region (so visible here as a shadow trail), with advanced
    // selectors for all management events and S3 object reads.
    let west = trails_west
        .create_trail()
        .name("west")
        .s3_bucket_name(&west_bucket)
        .is_multi_region_trail(true)
        .send()
        .await
        .expect("west trail");
    let west_arn = west.trail_arn().expect("arn").to_string();
    trails_west.start_logging().name("west").send().await.expect("start west");
    trails_west
        .put_event_selectors()
        .trail_name("west")
        .advanced_event_selectors(
            AdvancedEventSelector::builder()
                .name("management")
                .field_selectors(field("eventCategory", "Management"))
                .build()
                .unwrap(),
        )
        .advanced_event_selectors(
            AdvancedEventSelector::builder()
                .name("s3 reads")
                .field_selectors(field("eventCategory", "Data"))
                .field_selectors(field("resources.type", "AWS::S3::Object"))
                .field_selectors(field("readOnly", "true"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("west event selectors");

    // Metric filters for three CIS patterns and one text pattern; the other group's is not collected.
    for (name, pattern, metric) in [
        ("root-usage", ROOT_PATTERN, "RootUsage"),
        ("unauthorized", UNAUTHORIZED_PATTERN, "UnauthorizedCalls"),
        ("trail-changes", TRAIL_PATTERN, "TrailChanges"),
        ("errors", "ERROR", "Errors"),
    ] {
        logs.put_metric_filter()
            .log_group_name("cis-trail")
            .filter_name(name)
            .filter_pattern(pattern)
            .metric_transformations(
                MetricTransformation::builder()
                    .metric_name(metric)
                    .metric_namespace(NAMESPACE)
                    .metric_value("1")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("metric filter");
    }
    logs.put_metric_filter()
        .log_group_name("app")
        .filter_name("app-errors")
        .filter_pattern("ERROR")
        .metric_transformations(
            MetricTransformation::builder()
                .metric_name("AppErrors")
                .metric_namespace("App")
                .metric_value("1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("other metric filter");

    // Topics: one with a subscription (the emulator confirms it at once), one without.
    let alerts = sns.create_topic().name("cis-alerts").send().await.expect("topic").topic_arn().unwrap().to_string();
    let silent = sns.create_topic().name("silent").send().await.expect("topic").topic_arn().unwrap().to_string();
    let subscription = sns
        .subscribe()
        .topic_arn(&alerts)
        .protocol("email")
        .endpoint("security@example.com")
        .return_subscription_arn(true)
        .send()
        .await
        .expect("subscribe")
        .subscription_arn()
        .unwrap()
        .to_string();

    // Alarms on two filter metrics, and one on a metric no filter publishes (not collected).
    for (name, metric, namespace, topic, enabled) in [
        ("root-usage", "RootUsage", NAMESPACE, &alerts, true),
        ("unauthorized", "UnauthorizedCalls", NAMESPACE, &silent, false),
        ("cpu", "CPUUtilization", "AWS/EC2", &alerts, true),
    ] {
        cloudwatch
            .put_metric_alarm()
            .alarm_name(name)
            .metric_name(metric)
            .namespace(namespace)
            .statistic(Statistic::Sum)
            .period(300)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .actions_enabled(enabled)
            .alarm_actions(topic)
            .send()
            .await
            .expect("alarm");
    }

    let recorder = ActionRecorder::new();
    let r = monitoring(&acct, &recorder).await;
    let alarm_arn = |name: &str| format!("arn:aws:cloudwatch:{REGION}:{account}:alarm:{name}");
    let mut expected_trails = vec![
        json!({
            "TrailARN": main_arn, "Name": "main", "HomeRegion": REGION, "IsMultiRegionTrail": true,
            "IsOrganizationTrail": false, "IsLogging": true, "CloudWatchLogsLogGroupArn": group_arn,
            "LogGroupName": "cis-trail", "LogGroupRegion": REGION, "IncludesAllManagementEvents": true,
            "S3BucketName": trail_bucket, "S3BucketLoggingEnabled": true,
            "DataEvents": {"S3Write": true, "S3Read": true},
        }),
        json!({
            "TrailARN": regional_arn, "Name": "regional", "HomeRegion": REGION, "IsMultiRegionTrail": false,
            "IsOrganizationTrail": false, "IsLogging": false, "CloudWatchLogsLogGroupArn": null,
            "LogGroupName": null, "LogGroupRegion": null, "IncludesAllManagementEvents": false,
            "S3BucketName": trail_bucket, "S3BucketLoggingEnabled": true,
            "DataEvents": {"S3Write": false, "S3Read": false},
        }),
        json!({
            "TrailARN": west_arn, "Name": "west", "HomeRegion": WEST, "IsMultiRegionTrail": true,
            "IsOrganizationTrail": false, "IsLogging": true, "CloudWatchLogsLogGroupArn": null,
            "LogGroupName": null, "LogGroupRegion": null, "IncludesAllManagementEvents": true,
            "S3BucketName": west_bucket, "S3BucketLoggingEnabled": false,
            "DataEvents": {"S3Write": false, "S3Read": true},
        }),
    ];
    expected_trails.sort_by(|a, b| a["TrailARN"].as_str().cmp(&b["TrailARN"].as_str()));
    let filter = |name: &str, pattern: &str, metric: &str, parsed: Value, error: Value| {
        json!({
            "FilterName": name, "FilterPattern": pattern, "Parsed": parsed, "ParseError": error,
            "MetricTransformations": [{"MetricName": metric, "MetricNamespace": NAMESPACE}],
        })
    };
    // Terms come sorted: by field, then by their text.
    let trail_events: Vec<Value> = ["CreateTrail", "DeleteTrail", "StartLogging", "StopLogging", "UpdateTrail"]
        .iter()
        .map(|n| term("$.eventName", "=", n))
        .collect();
    let expected = json!({
        "Trails": expected_trails,
        "LogGroups": [{
            "LogGroupName": "cis-trail", "Region": REGION,
            "MetricFilters": [
                filter("errors", "ERROR", "Errors", Value::Null,
                       json!("at character 0: not a JSON filter pattern (it does not start with '{')")),
                filter("root-usage", ROOT_PATTERN, "RootUsage", json!({"op": "and", "terms": [
                    term("$.eventType", "!=", "AwsServiceEvent"),
                    {"field": "$.userIdentity.invokedBy", "exists": false},
                    term("$.userIdentity.type", "=", "Root"),
                ]}), Value::Null),
                filter("trail-changes", TRAIL_PATTERN, "TrailChanges", json!({"op": "or", "terms": trail_events}),
                       Value::Null),
                filter("unauthorized", UNAUTHORIZED_PATTERN, "UnauthorizedCalls", json!({"op": "or", "terms": [
                    term("$.errorCode", "=", "*UnauthorizedOperation"),
                    term("$.errorCode", "=", "AccessDenied*"),
                ]}), Value::Null),
            ],
        }],
        // The emulator starts alarms in state OK (AWS starts them in INSUFFICIENT_DATA).
        "Alarms": [
            {"AlarmName": "root-usage", "AlarmArn": alarm_arn("root-usage"), "Region": REGION,
             "MetricName": "RootUsage", "Namespace": NAMESPACE, "StateValue": "OK", "ActionsEnabled": true,
             "AlarmActions": [alerts]},
            {"AlarmName": "unauthorized", "AlarmArn": alarm_arn("unauthorized"), "Region": REGION,
             "MetricName": "UnauthorizedCalls", "Namespace": NAMESPACE, "StateValue": "OK", "ActionsEnabled": false,
             "AlarmActions": [silent]},
        ],
        "Topics": {
            alerts.clone(): {"Subscriptions": [
                {"SubscriptionArn": subscription, "Protocol": "email", "Endpoint": "security@example.com"},
            ]},
            silent.clone(): {"Subscriptions": []},
        },
    });
    assert_eq!(r.attributes, expected, "\nactual:   {:#}\nexpected: {expected:#}", r.attributes);

    // Fetch by reference gives the same; another id names nothing.
    let ctx = acct.context_with(&[REGION], Some(recorder.clone())).await;
    let fetched = AwsService::Monitoring.fetch(&ctx, &r.reference()).await.expect("fetch").expect("always exists");
    assert_eq!(fetched.attributes, r.attributes);
    let other = ResourceRef {
        resource_type: "AWS.Account.Monitoring".into(),
        account_id: AccountId::new(account.clone()).unwrap(),
        region: Region::global(),
        id: ResourceId::new("arn:aws:cloudwatch::000000000000:monitoring").unwrap(),
    };
    assert_eq!(AwsService::Monitoring.fetch(&ctx, &other).await.expect("fetch other"), None);

    // A rescan sees a deleted trail disappear and its log group go with it.
    trails.delete_trail().name("main").send().await.expect("delete main");
    let fetched = AwsService::Monitoring.fetch(&ctx, &r.reference()).await.expect("fetch").expect("always exists");
    let names: Vec<&Value> = fetched.attributes["Trails"].as_array().unwrap().iter().map(|t| &t["Name"]).collect();
    assert_eq!(names.len(), 2);
    assert!(!names.contains(&&json!("main")));
    assert_eq!(fetched.attributes["LogGroups"], json!([]));
    assert_eq!(fetched.attributes["Alarms"], json!([]));
    assert_eq!(fetched.attributes["Topics"], json!({}));

    let declared: BTreeSet<(String, String)> = AwsService::Monitoring
        .spec()
        .calls
        .iter()
        .map(|c| (c.sdk_service.to_string(), c.operation.to_string()))
        .collect();
    let made: BTreeSet<(String, String)> = recorder.calls().into_iter().filter(|(s, _)| s != "STS").collect();
    assert_eq!(made, declared);
}
