//! EC2 instances (`AWS.EC2.Instance`).

use super::naming::{arn, name_or, tag_map};
use super::service::{emit, missing_or_error, SERVICE};
use crate::aws::convert::time;
use crate::aws::error::api_error;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_ec2::types::{Instance, InstanceStateName};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};

pub(super) const INSTANCE: &str = "AWS.EC2.Instance";

pub(super) async fn collect(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    let mut reservations = client.describe_instances().into_paginator().items().send();
    while let Some(item) = reservations.next().await {
        let reservation = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeInstances", e))?;
        for instance in reservation.instances() {
            emit(out, instance_resource(ctx, region, instance)).await?;
        }
    }
    Ok(())
}

/// DescribeInstances for one instance id; `InvalidInstanceID.NotFound` means it is gone.
pub(super) async fn fetch(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    id: &str,
) -> Result<Option<Resource>, CollectError> {
    let op = "DescribeInstances";
    let found = match client.describe_instances().instance_ids(id).send().await {
        Ok(o) => o.reservations().iter().flat_map(|r| r.instances()).find(|i| i.instance_id() == Some(id)).cloned(),
        Err(e) => return missing_or_error(e, "InvalidInstanceID.NotFound", region, op),
    };
    found.map_or(Ok(None), |i| instance_resource(ctx, region, &i))
}

/// Terminated instances are skipped: DescribeInstances keeps showing them for about an hour,
/// but they no longer exist in any sense a policy cares about.
fn instance_resource(ctx: &AwsContext, region: &Region, instance: &Instance) -> Result<Option<Resource>, CollectError> {
    let Some(id) = instance.instance_id() else { return Ok(None) };
    if instance.state().and_then(|s| s.name()) == Some(&InstanceStateName::Terminated) {
        return Ok(None);
    }
    let tags = tag_map(instance.tags());
    let name = name_or(&tags, id);
    let arn = arn(region, ctx.account_id().as_str(), &format!("instance/{id}"));
    ctx.resource(INSTANCE, arn, region, name, tags, instance_attributes(instance)).map(Some)
}

// ---- pure: SDK shapes to attributes ----

fn instance_attributes(i: &Instance) -> Value {
    let metadata = i.metadata_options().map(|m| {
        json!({
            "HttpTokens": m.http_tokens().map(|v| v.as_str()),
            "HttpEndpoint": m.http_endpoint().map(|v| v.as_str()),
            "HttpPutResponseHopLimit": m.http_put_response_hop_limit(),
            "HttpProtocolIpv6": m.http_protocol_ipv6().map(|v| v.as_str()),
            "InstanceMetadataTags": m.instance_metadata_tags().map(|v| v.as_str()),
        })
    });
    let block_devices: Vec<Value> = i
        .block_device_mappings()
        .iter()
        .map(|b| {
            let ebs = b.ebs();
            json!({
                "DeviceName": b.device_name(),
                "VolumeId": ebs.and_then(|e| e.volume_id()),
                "DeleteOnTermination": ebs.and_then(|e| e.delete_on_termination()),
                "Status": ebs.and_then(|e| e.status()).map(|s| s.as_str()),
            })
        })
        .collect();
    let volume_ids: Vec<&str> =
        i.block_device_mappings().iter().filter_map(|b| b.ebs().and_then(|e| e.volume_id())).collect();
    json!({
        "InstanceId": i.instance_id(),
        "InstanceType": i.instance_type().map(|t| t.as_str()),
        "ImageId": i.image_id(),
        "State": i.state().and_then(|s| s.name()).map(|n| n.as_str()),
        "LaunchTime": time(i.launch_time()),
        "VpcId": i.vpc_id(),
        "SubnetId": i.subnet_id(),
        "PublicIpAddress": i.public_ip_address(),
        "PrivateIpAddress": i.private_ip_address(),
        "MetadataOptions": metadata,
        "IamInstanceProfile": i.iam_instance_profile().map(|p| json!({"Arn": p.arn(), "Id": p.id()})),
        "SecurityGroups": i.security_groups().iter()
            .map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
            .collect::<Vec<_>>(),
        "BlockDeviceMappings": block_devices,
        "VolumeIds": volume_ids,
        "Platform": i.platform().map(|p| p.as_str()),
        "Monitoring": i.monitoring().and_then(|m| m.state()).map(|s| s.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{
        AttachmentStatus, EbsInstanceBlockDevice, GroupIdentifier, HttpTokensState, IamInstanceProfile,
        InstanceBlockDeviceMapping, InstanceMetadataEndpointState, InstanceMetadataOptionsResponse,
        InstanceMetadataProtocolState, InstanceMetadataTagsState, InstanceState, InstanceType, Monitoring,
        MonitoringState, PlatformValues,
    };
    use aws_smithy_types::DateTime;

    /// Compares attributes as pretty JSON so a failure shows the whole difference.
    fn check(actual: Value, expected: Value) {
        assert_eq!(serde_json::to_string_pretty(&actual).unwrap(), serde_json::to_string_pretty(&expected).unwrap());
    }

    #[test]
    fn instance_reports_metadata_options_profile_and_volumes() {
        let instance = Instance::builder()
            .instance_id("i-1")
            .instance_type(InstanceType::T3Micro)
            .image_id("ami-1")
            .state(InstanceState::builder().name(InstanceStateName::Running).code(16).build())
            .launch_time(DateTime::from_secs(0))
            .vpc_id("vpc-1")
            .subnet_id("subnet-1")
            .private_ip_address("10.0.0.5")
            .metadata_options(
                InstanceMetadataOptionsResponse::builder()
                    .http_tokens(HttpTokensState::Required)
                    .http_endpoint(InstanceMetadataEndpointState::Enabled)
                    .http_put_response_hop_limit(2)
                    .http_protocol_ipv6(InstanceMetadataProtocolState::Disabled)
                    .instance_metadata_tags(InstanceMetadataTagsState::Disabled)
                    .build(),
            )
            .iam_instance_profile(
                IamInstanceProfile::builder().arn("arn:aws:iam::1:instance-profile/p").id("AIP").build(),
            )
            .security_groups(GroupIdentifier::builder().group_id("sg-1").group_name("web").build())
            .block_device_mappings(
                InstanceBlockDeviceMapping::builder()
                    .device_name("/dev/xvda")
                    .ebs(
                        EbsInstanceBlockDevice::builder()
                            .volume_id("vol-1")
                            .delete_on_termination(true)
                            .status(AttachmentStatus::Attached)
                            .build(),
                    )
                    .build(),
            )
            // The wire value is lower-case "windows", which the SDK keeps as an unknown variant.
            .platform(PlatformValues::from("windows"))
            .monitoring(Monitoring::builder().state(MonitoringState::Disabled).build())
            .build();
        check(
            instance_attributes(&instance),
            json!({
                "InstanceId": "i-1", "InstanceType": "t3.micro", "ImageId": "ami-1", "State": "running",
                "LaunchTime": "1970-01-01T00:00:00Z", "VpcId": "vpc-1", "SubnetId": "subnet-1",
                "PublicIpAddress": null, "PrivateIpAddress": "10.0.0.5",
                "MetadataOptions": {
                    "HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 2,
                    "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled",
                },
                "IamInstanceProfile": {"Arn": "arn:aws:iam::1:instance-profile/p", "Id": "AIP"},
                "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web"}],
                "BlockDeviceMappings": [
                    {"DeviceName": "/dev/xvda", "VolumeId": "vol-1", "DeleteOnTermination": true, "Status": "attached"},
                ],
                "VolumeIds": ["vol-1"],
                "Platform": "windows",
                "Monitoring": "disabled",
            }),
        );
    }

    #[test]
    fn bare_instance_has_null_options_and_empty_lists() {
        let attrs = instance_attributes(&Instance::builder().instance_id("i-2").build());
        assert_eq!(attrs["MetadataOptions"], Value::Null);
        assert_eq!(attrs["IamInstanceProfile"], Value::Null);
        assert_eq!(attrs["Platform"], Value::Null);
        assert_eq!(attrs["SecurityGroups"], json!([]));
        assert_eq!(attrs["VolumeIds"], json!([]));
    }
}
