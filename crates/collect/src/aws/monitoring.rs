//! Monitoring collector: one `AWS.Account.Monitoring` resource per account holding what CIS
//! sections 3 and 4 join across services: the trails visible from the default region (status,
//! event selectors, bucket access logging), the metric filters of the log groups they send to,
//! the metric alarms on those filters' metrics, and the subscriptions of the alarms' SNS topics.
//!
//! Failures of the calls a section 4 verdict rests on (trail status and selectors, metric filters,
//! alarms) are recorded and no resource is emitted, since a partial picture would read as "no
//! alarm". Failures of enrichments (a trail bucket's logging, a topic's subscriptions, often in
//! another account) are recorded and leave that one value null.

use super::actions::call;
use super::arn::partition;
use super::error::{api_error, error_code};
use super::filter_pattern;
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types::Trail;
use aws_sdk_cloudwatch::types::{AlarmType, MetricAlarm};
use aws_sdk_cloudwatchlogs::types::MetricFilter;
use aws_sdk_sns::types::Subscription;
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource, ResourceRef, ScanErrorKind};
use selectors::{includes_all_management_events, s3_data_events};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

mod selectors;

const MONITORING: &str = "AWS.Account.Monitoring";
const TRAIL_NOT_FOUND: &str = "TrailNotFoundException";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "monitoring",
    scope: Scope::Global,
    resource_types: &[MONITORING],
    calls: &[
        call("CloudTrail", "DescribeTrails", "cloudtrail:DescribeTrails"),
        call("CloudTrail", "GetTrailStatus", "cloudtrail:GetTrailStatus"),
        call("CloudTrail", "GetEventSelectors", "cloudtrail:GetEventSelectors"),
        call("S3", "GetBucketLocation", "s3:GetBucketLocation"),
        call("S3", "GetBucketLogging", "s3:GetBucketLogging"),
        call("CloudWatch Logs", "DescribeMetricFilters", "logs:DescribeMetricFilters"),
        call("CloudWatch", "DescribeAlarms", "cloudwatch:DescribeAlarms"),
        call("SNS", "ListSubscriptionsByTopic", "sns:ListSubscriptionsByTopic"),
    ],
};

pub(crate) async fn collect(ctx: &AwsContext, out: &Emitter) -> Result<(), CollectError> {
    let trails = list_trails(ctx).await?;
    let mut problems = Vec::new();
    let described = describe(ctx, trails, &mut problems).await;
    for problem in &problems {
        out.error(problem).await?;
    }
    match described {
        Ok(resource) => out.resource(resource).await,
        Err(e) => out.error(&e).await,
    }
}

pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    if reference.id.as_str() != monitoring_id(ctx) {
        return Ok(None);
    }
    let trails = list_trails(ctx).await?;
    let mut problems = Vec::new();
    let resource = describe(ctx, trails, &mut problems).await?;
    // Without an emitter a failed enrichment cannot be reported beside the resource, so it fails
    // the fetch rather than yield a null that looks like a finding.
    match problems.into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(Some(resource)),
    }
}

fn monitoring_id(ctx: &AwsContext) -> String {
    format!("arn:{}:cloudwatch::{}:monitoring", partition(&ctx.default_region()), ctx.account_id().as_str())
}

/// Every trail visible from the default region: its own, and multi-region trails (shadow trails)
/// homed anywhere. DescribeTrails is not paginated. Deduplicated by ARN.
async fn list_trails(ctx: &AwsContext) -> Result<Vec<Trail>, CollectError> {
    let region = ctx.default_region();
    let listed = ctx
        .cloudtrail(&region)
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| api_error("cloudtrail", region.as_str(), "DescribeTrails", e))?;
    let mut seen = BTreeSet::new();
    Ok(listed
        .trail_list
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.trail_arn().is_none_or(|arn| seen.insert(arn.to_string())))
        .collect())
}

/// One trail with what GetTrailStatus and GetEventSelectors said about it.
struct TrailDetails {
    arn: String,
    home: String,
    trail: Trail,
    status: GetTrailStatusOutput,
    selectors: GetEventSelectorsOutput,
}

/// A log group named by a trail's `CloudWatchLogsLogGroupArn`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LogGroupRef {
    region: String,
    account: String,
    name: String,
}

/// One client per region, built once per collection.
fn clients<C>(regions: impl IntoIterator<Item = String>, build: impl Fn(&Region) -> C) -> BTreeMap<String, C> {
    regions.into_iter().filter_map(|r| Region::new(&r).ok().map(|region| (r, build(&region)))).collect()
}

fn other_error(service: &str, region: &str, operation: &str, message: String) -> CollectError {
    CollectError::Api {
        service: service.into(),
        region: region.into(),
        operation: operation.into(),
        kind: ScanErrorKind::Other,
        message,
    }
}

/// Gathers everything and builds the resource; enrichment failures go to `problems`.
async fn describe(
    ctx: &AwsContext,
    trails: Vec<Trail>,
    problems: &mut Vec<CollectError>,
) -> Result<Resource, CollectError> {
    let default_region = ctx.default_region();
    let concurrency = ctx.item_concurrency();

    // Trails: status and selectors, asked in each trail's home region.
    let mut homes: BTreeSet<String> = trails.iter().filter_map(home_region).collect();
    homes.insert(default_region.as_str().to_string());
    let trail_clients = clients(homes, |r| ctx.cloudtrail(r));
    let mut details = Vec::new();
    let mut described = stream::iter(trails)
        .map(|trail| describe_trail(&trail_clients, default_region.as_str(), trail))
        .buffer_unordered(concurrency);
    while let Some(item) = described.next().await {
        if let Some(d) = item? {
            details.push(d);
        }
    }
    drop(described);
    details.sort_by(|a, b| a.arn.cmp(&b.arn));

    // Trail buckets: access logging, asked in the bucket's region.
    let buckets: BTreeSet<String> =
        details.iter().filter_map(|d| d.trail.s3_bucket_name()).filter(|b| !b.is_empty()).map(str::to_string).collect();
    let bucket_logging = bucket_logging(ctx, buckets, problems).await;

    // Log groups in this account that trails send to, and their metric filters.
    let account = ctx.account_id().as_str();
    let groups: BTreeSet<LogGroupRef> = details
        .iter()
        .filter_map(|d| d.trail.cloud_watch_logs_log_group_arn().and_then(log_group_from_arn))
        .filter(|g| g.account == account)
        .collect();
    let logs_clients = clients(groups.iter().map(|g| g.region.clone()), |r| ctx.logs(r));
    let mut log_groups = Vec::new();
    let logs_clients = &logs_clients;
    let mut described = stream::iter(groups)
        .map(|group| async move {
            let filters = metric_filters(logs_clients, &group).await;
            filters.map(|f| (group, f))
        })
        .buffer_unordered(concurrency);
    while let Some(item) = described.next().await {
        log_groups.push(item?);
    }
    drop(described);
    log_groups.sort_by(|a, b| a.0.cmp(&b.0));

    // Metric alarms on the filters' metrics, in each log group's region.
    let mut metrics: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for (group, filters) in &log_groups {
        let published = filters.iter().flat_map(|f| f.metric_transformations());
        metrics
            .entry(group.region.clone())
            .or_default()
            .extend(published.map(|t| (t.metric_name().to_string(), t.metric_namespace().to_string())));
    }
    // A region whose log groups publish no metric can hold no alarm on one.
    metrics.retain(|_, published| !published.is_empty());
    let cloudwatch_clients = clients(metrics.keys().cloned(), |r| ctx.cloudwatch(r));
    let mut alarms: Vec<(String, MetricAlarm)> = Vec::new();
    let cloudwatch_clients = &cloudwatch_clients;
    let mut described = stream::iter(metrics.keys().cloned())
        .map(|region| async move {
            let found = metric_alarms(cloudwatch_clients, &region).await;
            found.map(|a| (region, a))
        })
        .buffer_unordered(concurrency);
    while let Some(item) = described.next().await {
        let (region, found) = item?;
        let wanted = metrics.get(&region);
        let on_filter_metric = |a: &MetricAlarm| match (a.metric_name(), a.namespace(), wanted) {
            (Some(name), Some(namespace), Some(w)) => w.contains(&(name.to_string(), namespace.to_string())),
            _ => false,
        };
        alarms.extend(found.into_iter().filter(on_filter_metric).map(|a| (region.clone(), a)));
    }
    drop(described);
    alarms.sort_by(|a, b| (&a.0, a.1.alarm_name()).cmp(&(&b.0, b.1.alarm_name())));

    // The SNS topics those alarms notify, with their subscriptions.
    let topics: BTreeSet<String> = alarms
        .iter()
        .flat_map(|(_, a)| a.alarm_actions())
        .filter(|action| sns_topic_region(action).is_some())
        .cloned()
        .collect();
    let sns_clients = clients(topics.iter().filter_map(|t| sns_topic_region(t)).map(str::to_string), |r| ctx.sns(r));
    let mut subscriptions = BTreeMap::new();
    let sns_clients = &sns_clients;
    let mut described = stream::iter(topics)
        .map(|topic| async move {
            let found = topic_subscriptions(sns_clients, &topic).await;
            (topic, found)
        })
        .buffer_unordered(concurrency);
    while let Some((topic, found)) = described.next().await {
        match found {
            Ok(subs) => subscriptions.insert(topic, Some(subs)),
            Err(e) => {
                problems.push(e);
                subscriptions.insert(topic, None)
            }
        };
    }
    drop(described);

    let trails: Vec<Value> = details
        .iter()
        .map(|d| {
            let logging = d.trail.s3_bucket_name().and_then(|b| bucket_logging.get(b).copied().flatten());
            trail_entry(d, logging)
        })
        .collect();
    let log_groups: Vec<Value> = log_groups.iter().map(|(g, filters)| log_group_entry(g, filters)).collect();
    let alarms: Vec<Value> = alarms.iter().map(|(region, a)| alarm_entry(a, region)).collect();
    let topics: Map<String, Value> =
        subscriptions.into_iter().map(|(topic, subs)| (topic, topic_entry(subs.as_deref()))).collect();
    let attributes = json!({
        "Trails": trails,
        "LogGroups": log_groups,
        "Alarms": alarms,
        "Topics": topics,
    });
    ctx.resource(MONITORING, monitoring_id(ctx), &Region::global(), "monitoring".into(), BTreeMap::new(), attributes)
}

/// GetTrailStatus and GetEventSelectors by ARN in the trail's home region; `Ok(None)` when the
/// trail was deleted meanwhile.
async fn describe_trail(
    trail_clients: &BTreeMap<String, aws_sdk_cloudtrail::Client>,
    default_region: &str,
    trail: Trail,
) -> Result<Option<TrailDetails>, CollectError> {
    let Some(arn) = trail.trail_arn().map(str::to_string) else {
        let name = trail.name().unwrap_or_default();
        return Err(other_error(
            "cloudtrail",
            default_region,
            "DescribeTrails",
            format!("trail {name:?} has no TrailARN"),
        ));
    };
    let home = home_region(&trail).unwrap_or_else(|| default_region.to_string());
    let (region, client) = match trail_clients.get(&home) {
        Some(c) => (home.as_str(), c),
        None => match trail_clients.get(default_region) {
            Some(c) => (default_region, c),
            None => return Err(other_error("cloudtrail", default_region, "GetTrailStatus", "no client".into())),
        },
    };
    let status = match client.get_trail_status().name(&arn).send().await {
        Ok(s) => s,
        Err(e) if error_code(&e) == Some(TRAIL_NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error("cloudtrail", region, "GetTrailStatus", e)),
    };
    let selectors = match client.get_event_selectors().trail_name(&arn).send().await {
        Ok(s) => s,
        Err(e) if error_code(&e) == Some(TRAIL_NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error("cloudtrail", region, "GetEventSelectors", e)),
    };
    Ok(Some(TrailDetails { arn, home, trail, status, selectors }))
}

/// Whether each bucket has server access logging: `None` when the bucket no longer exists or the
/// answer could not be read (then the failure is in `problems`).
async fn bucket_logging(
    ctx: &AwsContext,
    buckets: BTreeSet<String>,
    problems: &mut Vec<CollectError>,
) -> BTreeMap<String, Option<bool>> {
    let default_region = ctx.default_region();
    let locator = &ctx.s3(&default_region);
    let mut located = Vec::new();
    let mut result = BTreeMap::new();
    let mut answers = stream::iter(buckets)
        .map(|bucket| async move {
            let answer = locator.get_bucket_location().bucket(&bucket).send().await;
            (bucket, answer)
        })
        .buffer_unordered(ctx.item_concurrency());
    while let Some((bucket, answer)) = answers.next().await {
        match answer {
            Ok(o) => located.push((bucket_region(o.location_constraint().map(|c| c.as_str())), bucket)),
            Err(e) => {
                if error_code(&e) != Some("NoSuchBucket") {
                    problems.push(api_error("s3", default_region.as_str(), "GetBucketLocation", e));
                }
                result.insert(bucket, None);
            }
        }
    }
    drop(answers);

    let s3_clients = &clients(located.iter().map(|(r, _)| r.clone()), |r| ctx.s3(r));
    let mut answers = stream::iter(located)
        .map(|(region, bucket)| async move {
            let answer = match s3_clients.get(&region) {
                Some(client) => Some(client.get_bucket_logging().bucket(&bucket).send().await),
                None => None,
            };
            (region, bucket, answer)
        })
        .buffer_unordered(ctx.item_concurrency());
    while let Some((region, bucket, answer)) = answers.next().await {
        let logging = match answer {
            Some(Ok(o)) => Some(o.logging_enabled().is_some()),
            Some(Err(e)) if error_code(&e) == Some("NoSuchBucket") => None,
            Some(Err(e)) => {
                problems.push(api_error("s3", &region, "GetBucketLogging", e));
                None
            }
            None => {
                let message = format!("bucket {bucket} is in {region:?}, which is not a region name");
                problems.push(other_error("s3", &region, "GetBucketLogging", message));
                None
            }
        };
        result.insert(bucket, logging);
    }
    result
}

/// DescribeMetricFilters for one log group (all pages); a log group that no longer exists has none.
async fn metric_filters(
    logs_clients: &BTreeMap<String, aws_sdk_cloudwatchlogs::Client>,
    group: &LogGroupRef,
) -> Result<Vec<MetricFilter>, CollectError> {
    let Some(client) = logs_clients.get(&group.region) else { return Ok(Vec::new()) };
    let pages = client.describe_metric_filters().log_group_name(&group.name).into_paginator().items().send();
    match pages.try_collect().await {
        Ok(filters) => Ok(filters),
        Err(e) if error_code(&e) == Some("ResourceNotFoundException") => Ok(Vec::new()),
        Err(e) => Err(api_error("logs", &group.region, "DescribeMetricFilters", e)),
    }
}

/// Every metric alarm in `region` (all pages).
async fn metric_alarms(
    cloudwatch_clients: &BTreeMap<String, aws_sdk_cloudwatch::Client>,
    region: &str,
) -> Result<Vec<MetricAlarm>, CollectError> {
    let Some(client) = cloudwatch_clients.get(region) else { return Ok(Vec::new()) };
    let mut pages = client.describe_alarms().alarm_types(AlarmType::MetricAlarm).into_paginator().send();
    let mut alarms = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error("cloudwatch", region, "DescribeAlarms", e))?;
        alarms.extend(page.metric_alarms.unwrap_or_default());
    }
    Ok(alarms)
}

/// ListSubscriptionsByTopic (all pages) in the topic's region; a deleted topic has none.
async fn topic_subscriptions(
    sns_clients: &BTreeMap<String, aws_sdk_sns::Client>,
    topic: &str,
) -> Result<Vec<Subscription>, CollectError> {
    let region = sns_topic_region(topic).unwrap_or_default();
    let Some(client) = sns_clients.get(region) else {
        let message = format!("topic {topic} names no usable region");
        return Err(other_error("sns", region, "ListSubscriptionsByTopic", message));
    };
    let pages = client.list_subscriptions_by_topic().topic_arn(topic).into_paginator().items().send();
    match pages.try_collect().await {
        Ok(subs) => Ok(subs),
        Err(e) if error_code(&e) == Some("NotFound") => Ok(Vec::new()),
        Err(e) => Err(api_error("sns", region, "ListSubscriptionsByTopic", e)),
    }
}

// ---- pure: SDK shapes to attributes ----

/// The trail's home region: `HomeRegion`, else the region in its ARN.
fn home_region(trail: &Trail) -> Option<String> {
    trail
        .home_region()
        .or_else(|| trail.trail_arn().and_then(|arn| arn.split(':').nth(3)))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
}

/// `arn:aws:logs:{region}:{account}:log-group:{name}[:*]` into its parts.
fn log_group_from_arn(arn: &str) -> Option<LogGroupRef> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let [prefix, _partition, service, region, account, kind, rest] = parts.as_slice() else { return None };
    if *prefix != "arn" || *service != "logs" || *kind != "log-group" || region.is_empty() {
        return None;
    }
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty()).then(|| LogGroupRef {
        region: region.to_string(),
        account: account.to_string(),
        name: name.to_string(),
    })
}

/// GetBucketLocation's answer as a region: empty means us-east-1 and `EU` the old name of eu-west-1.
fn bucket_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".into(),
        Some("EU") => "eu-west-1".into(),
        Some(r) => r.into(),
    }
}

/// The region of an SNS topic ARN (`arn:aws:sns:{region}:{account}:{name}`), `None` for other ARNs.
fn sns_topic_region(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "sns", region, _, name] if !region.is_empty() && !name.is_empty() => Some(region),
        _ => None,
    }
}

fn trail_entry(d: &TrailDetails, bucket_logging: Option<bool>) -> Value {
    let t = &d.trail;
    let group = t.cloud_watch_logs_log_group_arn().and_then(log_group_from_arn);
    let (s3_write, s3_read) = s3_data_events(&d.selectors);
    json!({
        "TrailARN": d.arn,
        "Name": t.name(),
        "HomeRegion": d.home,
        "IsMultiRegionTrail": t.is_multi_region_trail(),
        "IsOrganizationTrail": t.is_organization_trail(),
        "IsLogging": d.status.is_logging(),
        "CloudWatchLogsLogGroupArn": t.cloud_watch_logs_log_group_arn(),
        "LogGroupName": group.as_ref().map(|g| g.name.as_str()),
        "LogGroupRegion": group.as_ref().map(|g| g.region.as_str()),
        "IncludesAllManagementEvents": includes_all_management_events(&d.selectors),
        "S3BucketName": t.s3_bucket_name(),
        "S3BucketLoggingEnabled": bucket_logging,
        "DataEvents": {"S3Write": s3_write, "S3Read": s3_read},
    })
}

fn metric_filter_entry(f: &MetricFilter) -> Value {
    let (parsed, error) = match filter_pattern::parse(f.filter_pattern().unwrap_or_default()) {
        Ok(tree) => (tree, Value::Null),
        Err(e) => (Value::Null, Value::String(e.to_string())),
    };
    json!({
        "FilterName": f.filter_name(),
        "FilterPattern": f.filter_pattern(),
        "Parsed": parsed,
        "ParseError": error,
        "MetricTransformations": f.metric_transformations().iter()
            .map(|t| json!({"MetricName": t.metric_name(), "MetricNamespace": t.metric_namespace()}))
            .collect::<Vec<_>>(),
    })
}

fn log_group_entry(group: &LogGroupRef, filters: &[MetricFilter]) -> Value {
    let mut filters: Vec<&MetricFilter> = filters.iter().collect();
    filters.sort_by(|a, b| a.filter_name().cmp(&b.filter_name()));
    json!({
        "LogGroupName": group.name,
        "Region": group.region,
        "MetricFilters": filters.into_iter().map(metric_filter_entry).collect::<Vec<_>>(),
    })
}

fn alarm_entry(a: &MetricAlarm, region: &str) -> Value {
    json!({
        "AlarmName": a.alarm_name(),
        "AlarmArn": a.alarm_arn(),
        "Region": region,
        "MetricName": a.metric_name(),
        "Namespace": a.namespace(),
        "StateValue": a.state_value().map(|s| s.as_str()),
        "ActionsEnabled": a.actions_enabled(),
        "AlarmActions": a.alarm_actions(),
    })
}

/// A topic's subscriptions; null when they could not be read. A `SubscriptionArn` of
/// `PendingConfirmation` is an unconfirmed subscription.
fn topic_entry(subscriptions: Option<&[Subscription]>) -> Value {
    let subscriptions = subscriptions.map(|subs| {
        subs.iter()
            .map(|s| json!({"SubscriptionArn": s.subscription_arn(), "Protocol": s.protocol(), "Endpoint": s.endpoint()}))
            .collect::<Vec<_>>()
    });
    json!({ "Subscriptions": subscriptions })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{DataResource, EventSelector, ReadWriteType};
    use aws_sdk_cloudwatch::types::StateValue;
    use aws_sdk_cloudwatchlogs::types::MetricTransformation;

    fn check(actual: Value, expected: Value) {
        assert_eq!(actual, expected, "\nactual:   {actual:#}\nexpected: {expected:#}");
    }

    fn selectors(rw: ReadWriteType, management: bool, s3: Option<&str>) -> GetEventSelectorsOutput {
        let mut selector = EventSelector::builder().read_write_type(rw).include_management_events(management);
        if let Some(value) = s3 {
            selector = selector.data_resources(DataResource::builder().r#type("AWS::S3::Object").values(value).build());
        }
        GetEventSelectorsOutput::builder().event_selectors(selector.build()).build()
    }

    #[test]
    fn arns_and_regions() {
        let g = log_group_from_arn("arn:aws:logs:eu-west-1:111122223333:log-group:aws/cloudtrail/main:*").unwrap();
        assert_eq!(
            g,
            LogGroupRef {
                region: "eu-west-1".into(),
                account: "111122223333".into(),
                name: "aws/cloudtrail/main".into()
            }
        );
        assert_eq!(log_group_from_arn("arn:aws:logs:us-east-1:1:log-group:cis").map(|g| g.name), Some("cis".into()));
        assert_eq!(log_group_from_arn("arn:aws:logs:us-east-1:1:log-group::*"), None);
        assert_eq!(log_group_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(log_group_from_arn("not an arn"), None);
        assert_eq!(bucket_region(None), "us-east-1");
        assert_eq!(bucket_region(Some("")), "us-east-1");
        assert_eq!(bucket_region(Some("EU")), "eu-west-1");
        assert_eq!(bucket_region(Some("ap-south-1")), "ap-south-1");
        assert_eq!(sns_topic_region("arn:aws:sns:us-west-2:1:alerts"), Some("us-west-2"));
        assert_eq!(sns_topic_region("arn:aws:automate:us-east-1:ec2:stop"), None);
        assert_eq!(sns_topic_region("arn:aws:sns:us-west-2:1"), None);
    }

    #[test]
    fn describes_a_trail() {
        let trail = Trail::builder()
            .name("main")
            .trail_arn("arn:aws:cloudtrail:us-east-1:1:trail/main")
            .home_region("us-east-1")
            .is_multi_region_trail(true)
            .is_organization_trail(false)
            .s3_bucket_name("trail-bucket")
            .cloud_watch_logs_log_group_arn("arn:aws:logs:us-east-1:1:log-group:cis:*")
            .build();
        let d = TrailDetails {
            arn: "arn:aws:cloudtrail:us-east-1:1:trail/main".into(),
            home: home_region(&trail).unwrap(),
            trail,
            status: GetTrailStatusOutput::builder().is_logging(true).build(),
            selectors: selectors(ReadWriteType::All, true, Some("arn:aws:s3")),
        };
        check(
            trail_entry(&d, Some(true)),
            json!({
                "TrailARN": "arn:aws:cloudtrail:us-east-1:1:trail/main", "Name": "main", "HomeRegion": "us-east-1",
                "IsMultiRegionTrail": true, "IsOrganizationTrail": false, "IsLogging": true,
                "CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:1:log-group:cis:*",
                "LogGroupName": "cis", "LogGroupRegion": "us-east-1", "IncludesAllManagementEvents": true,
                "S3BucketName": "trail-bucket", "S3BucketLoggingEnabled": true,
                "DataEvents": {"S3Write": true, "S3Read": true},
            }),
        );
        let bare = TrailDetails {
            arn: "arn:aws:cloudtrail:eu-west-1:1:trail/t".into(),
            home: "eu-west-1".into(),
            trail: Trail::builder().trail_arn("arn:aws:cloudtrail:eu-west-1:1:trail/t").build(),
            status: GetTrailStatusOutput::builder().build(),
            selectors: selectors(ReadWriteType::All, false, None),
        };
        let e = trail_entry(&bare, None);
        assert_eq!(home_region(&bare.trail).as_deref(), Some("eu-west-1"), "from the ARN");
        for key in ["Name", "IsLogging", "CloudWatchLogsLogGroupArn", "LogGroupName", "LogGroupRegion", "S3BucketName"]
        {
            assert_eq!(e[key], Value::Null, "{key}");
        }
        assert_eq!(e["S3BucketLoggingEnabled"], Value::Null);
        assert_eq!(e["IncludesAllManagementEvents"], json!(false));
        assert_eq!(e["DataEvents"], json!({"S3Write": false, "S3Read": false}));
    }

    #[test]
    fn describes_log_groups_with_parsed_filters() {
        let transformation = MetricTransformation::builder()
            .metric_name("RootUsage")
            .metric_namespace("CIS")
            .metric_value("1")
            .build()
            .unwrap();
        let good = MetricFilter::builder()
            .filter_name("root")
            .filter_pattern(r#"{ $.userIdentity.type = "Root" }"#)
            .metric_transformations(transformation)
            .build();
        let bad = MetricFilter::builder().filter_name("errors").filter_pattern("ERROR").build();
        let group = LogGroupRef { region: "us-east-1".into(), account: "1".into(), name: "cis".into() };
        check(
            log_group_entry(&group, &[good, bad]),
            json!({
                "LogGroupName": "cis", "Region": "us-east-1",
                "MetricFilters": [
                    {"FilterName": "errors", "FilterPattern": "ERROR", "Parsed": null,
                     "ParseError": "at character 0: not a JSON filter pattern (it does not start with '{')",
                     "MetricTransformations": []},
                    {"FilterName": "root", "FilterPattern": r#"{ $.userIdentity.type = "Root" }"#,
                     "Parsed": {"op": "and", "terms": [{"field": "$.userIdentity.type", "cmp": "=", "value": "Root"}]},
                     "ParseError": null,
                     "MetricTransformations": [{"MetricName": "RootUsage", "MetricNamespace": "CIS"}]},
                ],
            }),
        );
    }

    #[test]
    fn describes_alarms_and_topics() {
        let alarm = MetricAlarm::builder()
            .alarm_name("root")
            .alarm_arn("arn:aws:cloudwatch:us-east-1:1:alarm:root")
            .metric_name("RootUsage")
            .namespace("CIS")
            .state_value(StateValue::Ok)
            .actions_enabled(true)
            .alarm_actions("arn:aws:sns:us-east-1:1:alerts")
            .build();
        check(
            alarm_entry(&alarm, "us-east-1"),
            json!({
                "AlarmName": "root", "AlarmArn": "arn:aws:cloudwatch:us-east-1:1:alarm:root", "Region": "us-east-1",
                "MetricName": "RootUsage", "Namespace": "CIS", "StateValue": "OK", "ActionsEnabled": true,
                "AlarmActions": ["arn:aws:sns:us-east-1:1:alerts"],
            }),
        );
        let bare = alarm_entry(&MetricAlarm::builder().build(), "eu-west-1");
        assert_eq!(bare["AlarmActions"], json!([]));
        assert_eq!(bare["ActionsEnabled"], Value::Null);
        let confirmed = Subscription::builder()
            .subscription_arn("arn:aws:sns:us-east-1:1:alerts:abc")
            .protocol("email")
            .endpoint("sec@example.com")
            .build();
        let pending = Subscription::builder()
            .subscription_arn("PendingConfirmation")
            .protocol("email")
            .endpoint("x@example.com")
            .build();
        check(
            topic_entry(Some(&[confirmed, pending])),
            json!({"Subscriptions": [
                {"SubscriptionArn": "arn:aws:sns:us-east-1:1:alerts:abc", "Protocol": "email", "Endpoint": "sec@example.com"},
                {"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": "x@example.com"},
            ]}),
        );
        check(topic_entry(Some(&[])), json!({"Subscriptions": []}));
        check(topic_entry(None), json!({"Subscriptions": null}));
    }
}
