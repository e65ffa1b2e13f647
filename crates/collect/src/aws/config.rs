//! AWS Config collector: one `AWS.Region.Config` per region, with the region's configuration
//! recorders, their recording status and the delivery channels, and whether Config is on.

use super::actions::call;
use super::error::api_error;
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_config::types::{ConfigurationRecorder, ConfigurationRecorderStatus, DeliveryChannel};
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SERVICE: &str = "config";
const REGION_SETTINGS: &str = "AWS.Region.Config";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "config",
    scope: Scope::Regional,
    resource_types: &[REGION_SETTINGS],
    calls: &[
        call("Config Service", "DescribeConfigurationRecorders", "config:DescribeConfigurationRecorders"),
        call("Config Service", "DescribeConfigurationRecorderStatus", "config:DescribeConfigurationRecorderStatus"),
        call("Config Service", "DescribeDeliveryChannels", "config:DescribeDeliveryChannels"),
    ],
};

/// Emits the region's one settings resource. A failed call is recorded and the resource is not
/// emitted (a half-read region would look unconfigured); the other collectors go on.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    match describe(ctx, region).await {
        Ok(resource) => out.resource(resource).await,
        Err(e) => out.error(&e).await,
    }
}

/// Fetches the region's settings resource; `None` for any other id.
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    if reference.id.as_str() != settings_arn(region, ctx.account_id().as_str()) {
        return Ok(None);
    }
    describe(ctx, region).await.map(Some)
}

/// Reads recorders, their status and the delivery channels (none of them paginated) at once.
async fn describe(ctx: &AwsContext, region: &Region) -> Result<Resource, CollectError> {
    let client = ctx.config(region);
    let r = region.as_str();
    let (recorders, statuses, channels) = futures::try_join!(
        async {
            client
                .describe_configuration_recorders()
                .send()
                .await
                .map_err(|e| api_error(SERVICE, r, "DescribeConfigurationRecorders", e))
        },
        async {
            client
                .describe_configuration_recorder_status()
                .send()
                .await
                .map_err(|e| api_error(SERVICE, r, "DescribeConfigurationRecorderStatus", e))
        },
        async {
            client
                .describe_delivery_channels()
                .send()
                .await
                .map_err(|e| api_error(SERVICE, r, "DescribeDeliveryChannels", e))
        },
    )?;
    let attributes = config_attributes(
        recorders.configuration_recorders(),
        statuses.configuration_recorders_status(),
        channels.delivery_channels(),
    );
    let arn = settings_arn(region, ctx.account_id().as_str());
    ctx.resource(REGION_SETTINGS, arn, region, region.to_string(), BTreeMap::new(), attributes)
}

// ---- pure: SDK shapes to attributes ----

/// `arn:{partition}:config:{region}:{account}:region-settings`.
fn settings_arn(region: &Region, account: &str) -> String {
    super::arn::regional("config", region, account, "region-settings")
}

/// The region's attributes. `Enabled` is what CIS 3.3 asks: some recorder records all supported
/// resource types and is recording now, and a delivery channel exists.
fn config_attributes(
    recorders: &[ConfigurationRecorder],
    statuses: &[ConfigurationRecorderStatus],
    channels: &[DeliveryChannel],
) -> Value {
    let recording_all = recorders.iter().any(|r| {
        r.recording_group().is_some_and(|g| g.all_supported()) && status_of(r, statuses).is_some_and(|s| s.recording())
    });
    let recorders: Vec<Value> = recorders.iter().map(|r| recorder(r, status_of(r, statuses))).collect();
    let channels: Vec<Value> = channels
        .iter()
        .map(|c| json!({"Name": c.name(), "S3BucketName": c.s3_bucket_name(), "SnsTopicARN": c.sns_topic_arn()}))
        .collect();
    json!({
        "Enabled": recording_all && !channels.is_empty(),
        "Recorders": recorders,
        "DeliveryChannels": channels,
    })
}

/// A recorder's status entry: matched by ARN when both carry one, else by name.
fn status_of<'a>(
    recorder: &ConfigurationRecorder,
    statuses: &'a [ConfigurationRecorderStatus],
) -> Option<&'a ConfigurationRecorderStatus> {
    statuses.iter().find(|s| match (recorder.arn(), s.arn()) {
        (Some(a), Some(b)) => a == b,
        _ => recorder.name().is_some() && recorder.name() == s.name(),
    })
}

fn recorder(r: &ConfigurationRecorder, status: Option<&ConfigurationRecorderStatus>) -> Value {
    json!({
        "Name": r.name(),
        "RoleARN": r.role_arn(),
        "RecordingGroup": r.recording_group().map(|g| json!({
            "AllSupported": g.all_supported(),
            "IncludeGlobalResourceTypes": g.include_global_resource_types(),
            "ResourceTypes": g.resource_types().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        })),
        "Status": status.map(|s| json!({
            "Recording": s.recording(),
            "LastStatus": s.last_status().map(|v| v.as_str()),
            "LastErrorCode": s.last_error_code(),
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_config::types::{RecorderStatus, RecordingGroup, ResourceType};

    const ROLE: &str = "arn:aws:iam::111122223333:role/aws-config";

    fn all_supported(name: &str) -> ConfigurationRecorder {
        ConfigurationRecorder::builder()
            .name(name)
            .role_arn(ROLE)
            .recording_group(RecordingGroup::builder().all_supported(true).include_global_resource_types(true).build())
            .build()
    }

    fn status(name: &str, recording: bool) -> ConfigurationRecorderStatus {
        ConfigurationRecorderStatus::builder()
            .name(name)
            .recording(recording)
            .last_status(RecorderStatus::Success)
            .build()
    }

    fn channel() -> DeliveryChannel {
        DeliveryChannel::builder().name("default").s3_bucket_name("config-bucket").build()
    }

    #[test]
    fn recording_all_supported_types_with_a_channel_is_enabled() {
        let attrs = config_attributes(&[all_supported("default")], &[status("default", true)], &[channel()]);
        assert_eq!(
            attrs,
            json!({
                "Enabled": true,
                "Recorders": [{
                    "Name": "default", "RoleARN": ROLE,
                    "RecordingGroup": {"AllSupported": true, "IncludeGlobalResourceTypes": true, "ResourceTypes": []},
                    "Status": {"Recording": true, "LastStatus": "Success", "LastErrorCode": null},
                }],
                "DeliveryChannels": [{"Name": "default", "S3BucketName": "config-bucket", "SnsTopicARN": null}],
            })
        );
    }

    #[test]
    fn nothing_configured_is_disabled_with_empty_lists() {
        assert_eq!(
            config_attributes(&[], &[], &[]),
            json!({"Enabled": false, "Recorders": [], "DeliveryChannels": []})
        );
    }

    #[test]
    fn each_missing_piece_disables() {
        // Stopped recorder.
        let stopped = config_attributes(&[all_supported("default")], &[status("default", false)], &[channel()]);
        assert_eq!(stopped["Enabled"], json!(false));
        // No delivery channel.
        let no_channel = config_attributes(&[all_supported("default")], &[status("default", true)], &[]);
        assert_eq!(no_channel["Enabled"], json!(false));
        // Recording only some resource types.
        let some = ConfigurationRecorder::builder()
            .name("some")
            .recording_group(
                RecordingGroup::builder()
                    .all_supported(false)
                    .resource_types(ResourceType::Bucket)
                    .resource_types(ResourceType::Instance)
                    .build(),
            )
            .build();
        let partial = config_attributes(&[some], &[status("some", true)], &[channel()]);
        assert_eq!(partial["Enabled"], json!(false));
        assert_eq!(
            partial["Recorders"][0]["RecordingGroup"],
            json!({"AllSupported": false, "IncludeGlobalResourceTypes": false,
                   "ResourceTypes": ["AWS::S3::Bucket", "AWS::EC2::Instance"]})
        );
        assert_eq!(partial["Recorders"][0]["RoleARN"], Value::Null);
        // A recorder with no status entry (never started) has a null Status.
        let never_started = config_attributes(&[all_supported("default")], &[status("other", true)], &[channel()]);
        assert_eq!(never_started["Recorders"][0]["Status"], Value::Null);
        assert_eq!(never_started["Enabled"], json!(false));
    }

    #[test]
    fn failed_recorder_reports_its_error_code() {
        let failing = ConfigurationRecorderStatus::builder()
            .name("default")
            .recording(true)
            .last_status(RecorderStatus::Failure)
            .last_error_code("AccessDenied")
            .build();
        let attrs = config_attributes(&[all_supported("default")], &[failing], &[channel()]);
        assert_eq!(
            attrs["Recorders"][0]["Status"],
            json!({"Recording": true, "LastStatus": "Failure", "LastErrorCode": "AccessDenied"})
        );
    }

    #[test]
    fn settings_arn_follows_the_partition() {
        let r = |s: &str| Region::new(s).expect("region");
        assert_eq!(settings_arn(&r("eu-west-1"), "1"), "arn:aws:config:eu-west-1:1:region-settings");
        assert_eq!(settings_arn(&r("cn-north-1"), "1"), "arn:aws-cn:config:cn-north-1:1:region-settings");
        assert_eq!(settings_arn(&r("us-gov-west-1"), "1"), "arn:aws-us-gov:config:us-gov-west-1:1:region-settings");
    }
}
