//! CloudTrail collector: every trail, once, in its home region, with its logging status, event
//! selectors and tags, as `AWS.CloudTrail.Trail`.

use super::actions::call;
use super::convert;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types::{AdvancedEventSelector, AdvancedFieldSelector, EventSelector, Trail};
use futures::StreamExt;
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SERVICE: &str = "cloudtrail";
const TRAIL: &str = "AWS.CloudTrail.Trail";
const NOT_FOUND: &str = "TrailNotFoundException";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "cloudtrail",
    scope: Scope::Regional,
    resource_types: &[TRAIL],
    calls: &[
        call("CloudTrail", "DescribeTrails", "cloudtrail:DescribeTrails"),
        call("CloudTrail", "GetTrail", "cloudtrail:GetTrail"),
        call("CloudTrail", "GetTrailStatus", "cloudtrail:GetTrailStatus"),
        call("CloudTrail", "GetEventSelectors", "cloudtrail:GetEventSelectors"),
        call("CloudTrail", "ListTags", "cloudtrail:ListTags"),
    ],
};

pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.cloudtrail(region);
    // Without shadow trails, a multi-region trail is listed only in its home region, so a scan
    // of every region still yields each trail once. DescribeTrails is not paginated.
    let listed = client
        .describe_trails()
        .include_shadow_trails(false)
        .send()
        .await
        .map_err(|e| api_error(SERVICE, region.as_str(), "DescribeTrails", e))?;
    let trails: Vec<Trail> = listed
        .trail_list
        .unwrap_or_default()
        .into_iter()
        .filter(|t| home_region(t).is_none_or(|home| home == region.as_str()))
        .collect();

    let mut described = futures::stream::iter(trails)
        .map(|trail| describe(ctx, &client, region, trail))
        .buffer_unordered(ctx.item_concurrency());
    while let Some(result) = described.next().await {
        match result {
            Ok(Some(resource)) => out.resource(resource).await?,
            // Deleted between the listing and its description: nothing to report.
            Ok(None) => {}
            Err(e) => out.error(&e).await?,
        }
    }
    Ok(())
}

/// Fetches one trail by its ARN, in the reference's region (the trail's home region).
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    let client = ctx.cloudtrail(region);
    let trail = match client.get_trail().name(reference.id.as_str()).send().await {
        Ok(out) => match out.trail {
            Some(t) => t,
            None => return Ok(None),
        },
        Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "GetTrail", e)),
    };
    describe(ctx, &client, region, trail).await
}

/// Completes one listed trail with its status, event selectors and tags. `Ok(None)` when the
/// trail no longer exists.
async fn describe(
    ctx: &AwsContext,
    client: &aws_sdk_cloudtrail::Client,
    region: &Region,
    trail: Trail,
) -> Result<Option<Resource>, CollectError> {
    let Some(arn) = trail.trail_arn().map(str::to_string) else {
        return Err(CollectError::Api {
            service: SERVICE.into(),
            region: region.as_str().to_string(),
            operation: "DescribeTrails".into(),
            kind: palisade_model::ScanErrorKind::Other,
            message: format!("trail {:?} has no TrailARN", trail.name().unwrap_or_default()),
        });
    };
    // The ARN names the trail unambiguously in every region, unlike its bare name.
    let status = match client.get_trail_status().name(&arn).send().await {
        Ok(s) => s,
        Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "GetTrailStatus", e)),
    };
    let selectors = match client.get_event_selectors().trail_name(&arn).send().await {
        Ok(s) => s,
        Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "GetEventSelectors", e)),
    };
    let mut tags = BTreeMap::new();
    let mut stream = client.list_tags().resource_id_list(&arn).into_paginator().items().send();
    while let Some(item) = stream.next().await {
        match item {
            Ok(resource_tag) if resource_tag.resource_id().is_none_or(|id| id == arn) => {
                tags.extend(convert::tags(resource_tag.tags_list().iter().map(|t| (Some(t.key()), t.value()))));
            }
            Ok(_) => {}
            Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
            Err(e) => return Err(api_error(SERVICE, region.as_str(), "ListTags", e)),
        }
    }

    let home = home_region(&trail);
    // Collect keeps only trails homed here; a fetch may name a trail homed elsewhere.
    let resource_region = home.as_deref().and_then(|h| Region::new(h).ok()).unwrap_or_else(|| region.clone());
    let name = trail.name().unwrap_or(&arn).to_string();
    let attributes = trail_attributes(&trail, home.as_deref(), &status, &selectors);
    ctx.resource(TRAIL, arn, &resource_region, name, tags, attributes).map(Some)
}

/// The trail's home region: `HomeRegion` when the API returns it, else the region in its ARN
/// (`arn:aws:cloudtrail:<home region>:<account>:trail/<name>`), which is always the home region.
fn home_region(trail: &Trail) -> Option<String> {
    trail
        .home_region()
        .or_else(|| trail.trail_arn().and_then(|arn| arn.split(':').nth(3)).filter(|r| !r.is_empty()))
        .map(str::to_string)
}

/// The attributes of one trail, from DescribeTrails/GetTrail, GetTrailStatus and GetEventSelectors.
fn trail_attributes(
    t: &Trail,
    home_region: Option<&str>,
    status: &GetTrailStatusOutput,
    selectors: &GetEventSelectorsOutput,
) -> Value {
    json!({
        "Name": t.name(),
        "TrailARN": t.trail_arn(),
        "HomeRegion": home_region,
        "IsMultiRegionTrail": t.is_multi_region_trail(),
        "IncludeGlobalServiceEvents": t.include_global_service_events(),
        "LogFileValidationEnabled": t.log_file_validation_enabled(),
        "KmsKeyId": t.kms_key_id(),
        "S3BucketName": t.s3_bucket_name(),
        "S3KeyPrefix": t.s3_key_prefix(),
        "SnsTopicARN": t.sns_topic_arn(),
        "CloudWatchLogsLogGroupArn": t.cloud_watch_logs_log_group_arn(),
        "CloudWatchLogsRoleArn": t.cloud_watch_logs_role_arn(),
        "IsOrganizationTrail": t.is_organization_trail(),
        "HasCustomEventSelectors": t.has_custom_event_selectors(),
        "HasInsightSelectors": t.has_insight_selectors(),
        "Status": {
            "IsLogging": status.is_logging(),
            "LatestDeliveryTime": convert::time(status.latest_delivery_time()),
            "LatestDeliveryError": status.latest_delivery_error(),
            "StartLoggingTime": convert::time(status.start_logging_time()),
            "StopLoggingTime": convert::time(status.stop_logging_time()),
        },
        "EventSelectors": selectors.event_selectors().iter().map(event_selector).collect::<Vec<_>>(),
        "AdvancedEventSelectors": selectors.advanced_event_selectors().iter().map(advanced_event_selector).collect::<Vec<_>>(),
    })
}

fn event_selector(s: &EventSelector) -> Value {
    json!({
        "ReadWriteType": s.read_write_type().map(|v| v.as_str()),
        "IncludeManagementEvents": s.include_management_events(),
        "DataResources": s.data_resources().iter().map(|d| json!({
            "Type": d.r#type(),
            "Values": d.values(),
        })).collect::<Vec<_>>(),
        "ExcludeManagementEventSources": s.exclude_management_event_sources(),
    })
}

fn advanced_event_selector(s: &AdvancedEventSelector) -> Value {
    json!({
        "Name": s.name(),
        "FieldSelectors": s.field_selectors().iter().map(field_selector).collect::<Vec<_>>(),
    })
}

fn field_selector(f: &AdvancedFieldSelector) -> Value {
    json!({
        "Field": f.field(),
        "Equals": f.equals(),
        "StartsWith": f.starts_with(),
        "EndsWith": f.ends_with(),
        "NotEquals": f.not_equals(),
        "NotStartsWith": f.not_starts_with(),
        "NotEndsWith": f.not_ends_with(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{DataResource, ReadWriteType};
    use aws_smithy_types::DateTime;

    const ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org";

    fn trail() -> aws_sdk_cloudtrail::types::builders::TrailBuilder {
        Trail::builder()
            .name("org")
            .trail_arn(ARN)
            .home_region("us-east-1")
            .is_multi_region_trail(true)
            .include_global_service_events(true)
            .log_file_validation_enabled(true)
            .kms_key_id("arn:aws:kms:us-east-1:111122223333:key/k")
            .s3_bucket_name("logs")
            .is_organization_trail(false)
            .has_custom_event_selectors(true)
            .has_insight_selectors(false)
    }

    fn check(t: &Trail, status: &GetTrailStatusOutput, selectors: &GetEventSelectorsOutput, expected: Value) {
        assert_eq!(trail_attributes(t, home_region(t).as_deref(), status, selectors), expected);
    }

    #[test]
    fn multi_region_trail_with_data_events() {
        let status = GetTrailStatusOutput::builder()
            .is_logging(true)
            .start_logging_time(DateTime::from_secs(1_700_000_000))
            .latest_delivery_time(DateTime::from_secs(1_700_000_060))
            .build();
        let selectors = GetEventSelectorsOutput::builder()
            .trail_arn(ARN)
            .event_selectors(
                EventSelector::builder()
                    .read_write_type(ReadWriteType::All)
                    .include_management_events(true)
                    .data_resources(
                        DataResource::builder().r#type("AWS::S3::Object").values("arn:aws:s3:::logs/").build(),
                    )
                    .build(),
            )
            .build();
        check(
            &trail().build(),
            &status,
            &selectors,
            json!({
                "Name": "org", "TrailARN": ARN, "HomeRegion": "us-east-1", "IsMultiRegionTrail": true,
                "IncludeGlobalServiceEvents": true, "LogFileValidationEnabled": true,
                "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/k", "S3BucketName": "logs",
                "S3KeyPrefix": null, "SnsTopicARN": null, "CloudWatchLogsLogGroupArn": null,
                "CloudWatchLogsRoleArn": null, "IsOrganizationTrail": false, "HasCustomEventSelectors": true,
                "HasInsightSelectors": false,
                "Status": {
                    "IsLogging": true, "LatestDeliveryTime": "2023-11-14T22:14:20Z", "LatestDeliveryError": null,
                    "StartLoggingTime": "2023-11-14T22:13:20Z", "StopLoggingTime": null,
                },
                "EventSelectors": [{
                    "ReadWriteType": "All", "IncludeManagementEvents": true,
                    "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::logs/"]}],
                    "ExcludeManagementEventSources": [],
                }],
                "AdvancedEventSelectors": [],
            }),
        );
    }

    #[test]
    fn advanced_selectors_keep_every_operator_as_a_list() {
        let selectors = GetEventSelectorsOutput::builder()
            .advanced_event_selectors(
                AdvancedEventSelector::builder()
                    .name("writes")
                    .field_selectors(
                        AdvancedFieldSelector::builder()
                            .field("readOnly")
                            .equals("false")
                            .build()
                            .expect("field selector"),
                    )
                    .build()
                    .expect("selector"),
            )
            .build();
        let attrs =
            trail_attributes(&trail().build(), Some("us-east-1"), &GetTrailStatusOutput::builder().build(), &selectors);
        assert_eq!(
            attrs["AdvancedEventSelectors"],
            json!([{"Name": "writes", "FieldSelectors": [{
                "Field": "readOnly", "Equals": ["false"], "StartsWith": [], "EndsWith": [],
                "NotEquals": [], "NotStartsWith": [], "NotEndsWith": [],
            }]}])
        );
        assert_eq!(attrs["EventSelectors"], json!([]));
        assert_eq!(attrs["Status"]["IsLogging"], Value::Null);
    }

    #[test]
    fn home_region_falls_back_to_the_arn() {
        assert_eq!(home_region(&trail().build()).as_deref(), Some("us-east-1"));
        let without =
            trail().set_home_region(None).trail_arn("arn:aws:cloudtrail:eu-west-1:111122223333:trail/x").build();
        assert_eq!(home_region(&without).as_deref(), Some("eu-west-1"));
        assert_eq!(home_region(&Trail::builder().name("x").build()), None);
    }
}
