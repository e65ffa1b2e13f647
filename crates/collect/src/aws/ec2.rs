//! EC2 collector: security groups, instances, EBS volumes and snapshots, VPCs, and each region's
//! EBS encryption-by-default settings.

use super::actions::call;
use super::convert::{tags, time};
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_ec2::types::{
    CreateVolumePermission, Instance, InstanceStateName, IpPermission, PermissionGroup, SecurityGroup, Snapshot,
    SnapshotAttributeName, Tag, Volume, Vpc,
};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SECURITY_GROUP: &str = "AWS.EC2.SecurityGroup";
const INSTANCE: &str = "AWS.EC2.Instance";
const VOLUME: &str = "AWS.EC2.Volume";
const SNAPSHOT: &str = "AWS.EC2.Snapshot";
const VPC: &str = "AWS.EC2.VPC";
const REGION_SETTINGS: &str = "AWS.Region.EC2";

/// The service name in scan errors.
const SERVICE: &str = "ec2";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "ec2",
    scope: Scope::Regional,
    resource_types: &[SECURITY_GROUP, INSTANCE, VOLUME, SNAPSHOT, VPC, REGION_SETTINGS],
    calls: &[
        call("EC2", "DescribeSecurityGroups", "ec2:DescribeSecurityGroups"),
        call("EC2", "DescribeInstances", "ec2:DescribeInstances"),
        call("EC2", "DescribeVolumes", "ec2:DescribeVolumes"),
        call("EC2", "DescribeSnapshots", "ec2:DescribeSnapshots"),
        call("EC2", "DescribeSnapshotAttribute", "ec2:DescribeSnapshotAttribute"),
        call("EC2", "DescribeVpcs", "ec2:DescribeVpcs"),
        call("EC2", "GetEbsEncryptionByDefault", "ec2:GetEbsEncryptionByDefault"),
        call("EC2", "GetEbsDefaultKmsKeyId", "ec2:GetEbsDefaultKmsKeyId"),
    ],
};

/// Lists every EC2 resource type in `region`. A failed listing does not stop the others (one
/// denied action should not hide the rest of the region): the first failure is returned as the
/// listing error once all have run, later ones are recorded on `out`.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.ec2(region);
    match region_settings_resource(ctx, &client, region).await {
        Ok(resource) => out.resource(resource).await?,
        Err(e) => out.error(&e).await?,
    }
    let mut first_failure = None;
    let r = collect_security_groups(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = collect_instances(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = collect_volumes(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = collect_snapshots(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = collect_vpcs(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    first_failure.map_or(Ok(()), Err)
}

/// Fetches one resource by reference; the cloud id is the ARN's part after its last `/`.
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    let client = ctx.ec2(region);
    if reference.resource_type == REGION_SETTINGS {
        return region_settings_resource(ctx, &client, region).await.map(Some);
    }
    let id = reference.id.as_str().rsplit('/').next().unwrap_or_default();
    if id.is_empty() || !reference.id.as_str().contains('/') {
        // Not one of our ARNs, so it cannot name an existing resource (and an empty id filter
        // would describe every resource in the region).
        return Ok(None);
    }
    match reference.resource_type.as_str() {
        SECURITY_GROUP => {
            let op = "DescribeSecurityGroups";
            let found = match client.describe_security_groups().group_ids(id).send().await {
                Ok(o) => o.security_groups().iter().find(|g| g.group_id() == Some(id)).cloned(),
                Err(e) => return missing_or_error(e, "InvalidGroup.NotFound", region, op),
            };
            found.map_or(Ok(None), |g| security_group_resource(ctx, region, &g))
        }
        INSTANCE => {
            let op = "DescribeInstances";
            let found = match client.describe_instances().instance_ids(id).send().await {
                Ok(o) => {
                    o.reservations().iter().flat_map(|r| r.instances()).find(|i| i.instance_id() == Some(id)).cloned()
                }
                Err(e) => return missing_or_error(e, "InvalidInstanceID.NotFound", region, op),
            };
            found.map_or(Ok(None), |i| instance_resource(ctx, region, &i))
        }
        VOLUME => {
            let op = "DescribeVolumes";
            let found = match client.describe_volumes().volume_ids(id).send().await {
                Ok(o) => o.volumes().iter().find(|v| v.volume_id() == Some(id)).cloned(),
                Err(e) => return missing_or_error(e, "InvalidVolume.NotFound", region, op),
            };
            found.map_or(Ok(None), |v| volume_resource(ctx, region, &v))
        }
        SNAPSHOT => {
            let op = "DescribeSnapshots";
            // Only the account's own snapshots are collected, so fetch only those too.
            let found = match client.describe_snapshots().owner_ids("self").snapshot_ids(id).send().await {
                Ok(o) => o.snapshots().iter().find(|s| s.snapshot_id() == Some(id)).cloned(),
                Err(e) => return missing_or_error(e, "InvalidSnapshot.NotFound", region, op),
            };
            match found {
                Some(s) => snapshot_resource(ctx, &client, region, &s).await,
                None => Ok(None),
            }
        }
        VPC => {
            let op = "DescribeVpcs";
            let found = match client.describe_vpcs().vpc_ids(id).send().await {
                Ok(o) => o.vpcs().iter().find(|v| v.vpc_id() == Some(id)).cloned(),
                Err(e) => return missing_or_error(e, "InvalidVpcID.NotFound", region, op),
            };
            found.map_or(Ok(None), |v| vpc_resource(ctx, region, &v))
        }
        other => Err(CollectError::UnsupportedType(other.to_string())),
    }
}

/// Keeps the first listing failure to return, records later ones, and stops on cancellation.
async fn note_listing(
    result: Result<(), CollectError>,
    first_failure: &mut Option<CollectError>,
    out: &Emitter,
) -> Result<(), CollectError> {
    match result {
        Ok(()) => Ok(()),
        Err(CollectError::Cancelled) => Err(CollectError::Cancelled),
        Err(e) if first_failure.is_none() => {
            *first_failure = Some(e);
            Ok(())
        }
        Err(e) => out.error(&e).await,
    }
}

/// Sends a described item, records a failed one; `Ok(None)` items (gone, or without an id) are skipped.
async fn emit(out: &Emitter, described: Result<Option<Resource>, CollectError>) -> Result<(), CollectError> {
    match described {
        Ok(Some(resource)) => out.resource(resource).await,
        Ok(None) => Ok(()),
        Err(e) => out.error(&e).await,
    }
}

/// `Ok(None)` for the error code that means the resource does not exist, otherwise the error.
fn missing_or_error<E, R>(
    err: SdkError<E, R>,
    not_found: &str,
    region: &Region,
    operation: &str,
) -> Result<Option<Resource>, CollectError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if error_code(&err) == Some(not_found) {
        Ok(None)
    } else {
        Err(api_error(SERVICE, region.as_str(), operation, err))
    }
}

async fn collect_security_groups(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    let mut items = client.describe_security_groups().into_paginator().items().send();
    while let Some(item) = items.next().await {
        let group = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeSecurityGroups", e))?;
        emit(out, security_group_resource(ctx, region, &group)).await?;
    }
    Ok(())
}

async fn collect_instances(
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

async fn collect_volumes(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    let mut items = client.describe_volumes().into_paginator().items().send();
    while let Some(item) = items.next().await {
        let volume = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeVolumes", e))?;
        emit(out, volume_resource(ctx, region, &volume)).await?;
    }
    Ok(())
}

async fn collect_snapshots(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    // The listing completes before the per-snapshot calls start, so a listing failure is
    // reported as such and not mixed with per-item failures.
    let mut snapshots = Vec::new();
    let mut items = client.describe_snapshots().owner_ids("self").into_paginator().items().send();
    while let Some(item) = items.next().await {
        snapshots.push(item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeSnapshots", e))?);
    }
    // Owned items: a closure over `&Snapshot` would make this future not `Send` for every
    // lifetime, and the engine spawns collectors on their own tasks.
    let mut described = stream::iter(snapshots)
        .map(|s| async move { snapshot_resource(ctx, client, region, &s).await })
        .buffer_unordered(ctx.item_concurrency());
    while let Some(result) = described.next().await {
        emit(out, result).await?;
    }
    Ok(())
}

async fn collect_vpcs(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    let mut items = client.describe_vpcs().into_paginator().items().send();
    while let Some(item) = items.next().await {
        let vpc = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeVpcs", e))?;
        emit(out, vpc_resource(ctx, region, &vpc)).await?;
    }
    Ok(())
}

// ---- one resource each: shared by collect and fetch ----

fn security_group_resource(
    ctx: &AwsContext,
    region: &Region,
    group: &SecurityGroup,
) -> Result<Option<Resource>, CollectError> {
    let Some(id) = group.group_id() else { return Ok(None) };
    let name = group.group_name().unwrap_or(id).to_string();
    let arn = arn(region, ctx.account_id().as_str(), &format!("security-group/{id}"));
    ctx.resource(SECURITY_GROUP, arn, region, name, tag_map(group.tags()), security_group_attributes(group)).map(Some)
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

fn volume_resource(ctx: &AwsContext, region: &Region, volume: &Volume) -> Result<Option<Resource>, CollectError> {
    let Some(id) = volume.volume_id() else { return Ok(None) };
    let tags = tag_map(volume.tags());
    let name = name_or(&tags, id);
    let arn = arn(region, ctx.account_id().as_str(), &format!("volume/{id}"));
    ctx.resource(VOLUME, arn, region, name, tags, volume_attributes(volume)).map(Some)
}

/// Needs one more call (who may create volumes from the snapshot), so it is async; `Ok(None)`
/// when the snapshot was deleted between the listing and that call.
async fn snapshot_resource(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    snapshot: &Snapshot,
) -> Result<Option<Resource>, CollectError> {
    let Some(id) = snapshot.snapshot_id() else { return Ok(None) };
    let permissions = match client
        .describe_snapshot_attribute()
        .snapshot_id(id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) => return missing_or_error(e, "InvalidSnapshot.NotFound", region, "DescribeSnapshotAttribute"),
    };
    let tags = tag_map(snapshot.tags());
    let name = name_or(&tags, id);
    let arn = arn(region, ctx.account_id().as_str(), &format!("snapshot/{id}"));
    let attributes = snapshot_attributes(snapshot, permissions.create_volume_permissions());
    ctx.resource(SNAPSHOT, arn, region, name, tags, attributes).map(Some)
}

fn vpc_resource(ctx: &AwsContext, region: &Region, vpc: &Vpc) -> Result<Option<Resource>, CollectError> {
    let Some(id) = vpc.vpc_id() else { return Ok(None) };
    let tags = tag_map(vpc.tags());
    let name = name_or(&tags, id);
    let arn = arn(region, ctx.account_id().as_str(), &format!("vpc/{id}"));
    ctx.resource(VPC, arn, region, name, tags, vpc_attributes(vpc)).map(Some)
}

async fn region_settings_resource(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
) -> Result<Resource, CollectError> {
    let encryption = client
        .get_ebs_encryption_by_default()
        .send()
        .await
        .map_err(|e| api_error(SERVICE, region.as_str(), "GetEbsEncryptionByDefault", e))?;
    let key = client
        .get_ebs_default_kms_key_id()
        .send()
        .await
        .map_err(|e| api_error(SERVICE, region.as_str(), "GetEbsDefaultKmsKeyId", e))?;
    let arn = arn(region, ctx.account_id().as_str(), "region-settings");
    let attributes = region_settings_attributes(encryption.ebs_encryption_by_default(), key.kms_key_id());
    ctx.resource(REGION_SETTINGS, arn, region, region.to_string(), BTreeMap::new(), attributes)
}

// ---- pure: SDK shapes to attributes ----

/// An EC2 ARN in the region's partition.
fn arn(region: &Region, account: &str, resource: &str) -> String {
    let r = region.as_str();
    let partition = if r.starts_with("cn-") {
        "aws-cn"
    } else if r.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:ec2:{r}:{account}:{resource}")
}

fn tag_map(pairs: &[Tag]) -> BTreeMap<String, String> {
    tags(pairs.iter().map(|t| (t.key(), t.value())))
}

/// The `Name` tag if it is set and not empty, otherwise the cloud id.
fn name_or(tags: &BTreeMap<String, String>, id: &str) -> String {
    tags.get("Name").filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| id.to_string())
}

fn security_group_attributes(group: &SecurityGroup) -> Value {
    json!({
        "GroupId": group.group_id(),
        "GroupName": group.group_name(),
        "Description": group.description(),
        "VpcId": group.vpc_id(),
        "OwnerId": group.owner_id(),
        "IpPermissions": group.ip_permissions().iter().map(ip_permission).collect::<Vec<_>>(),
        "IpPermissionsEgress": group.ip_permissions_egress().iter().map(ip_permission).collect::<Vec<_>>(),
    })
}

/// One rule as the API gives it: the protocol stays as returned ("tcp", "6", "-1", ...) and
/// ports absent for all-protocol rules are null.
fn ip_permission(p: &IpPermission) -> Value {
    json!({
        "IpProtocol": p.ip_protocol(),
        "FromPort": p.from_port(),
        "ToPort": p.to_port(),
        "IpRanges": p.ip_ranges().iter()
            .map(|r| json!({"CidrIp": r.cidr_ip(), "Description": r.description()}))
            .collect::<Vec<_>>(),
        "Ipv6Ranges": p.ipv6_ranges().iter()
            .map(|r| json!({"CidrIpv6": r.cidr_ipv6(), "Description": r.description()}))
            .collect::<Vec<_>>(),
        "PrefixListIds": p.prefix_list_ids().iter()
            .map(|r| json!({"PrefixListId": r.prefix_list_id(), "Description": r.description()}))
            .collect::<Vec<_>>(),
        "UserIdGroupPairs": p.user_id_group_pairs().iter()
            .map(|g| json!({
                "GroupId": g.group_id(),
                "UserId": g.user_id(),
                "VpcId": g.vpc_id(),
                "Description": g.description(),
            }))
            .collect::<Vec<_>>(),
    })
}

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

fn volume_attributes(v: &Volume) -> Value {
    json!({
        "VolumeId": v.volume_id(),
        "Size": v.size(),
        "VolumeType": v.volume_type().map(|t| t.as_str()),
        "Encrypted": v.encrypted(),
        "KmsKeyId": v.kms_key_id(),
        "State": v.state().map(|s| s.as_str()),
        "AvailabilityZone": v.availability_zone(),
        // AWS answers "" for a volume not made from a snapshot; null says the same thing the
        // way every other absent value does.
        "SnapshotId": v.snapshot_id().filter(|s| !s.is_empty()),
        "CreateTime": time(v.create_time()),
        "Iops": v.iops(),
        "Attachments": v.attachments().iter()
            .map(|a| json!({
                "InstanceId": a.instance_id(),
                "Device": a.device(),
                "State": a.state().map(|s| s.as_str()),
                "DeleteOnTermination": a.delete_on_termination(),
            }))
            .collect::<Vec<_>>(),
    })
}

fn snapshot_attributes(s: &Snapshot, permissions: &[CreateVolumePermission]) -> Value {
    let public = permissions.iter().any(|p| p.group() == Some(&PermissionGroup::All));
    json!({
        "SnapshotId": s.snapshot_id(),
        "VolumeId": s.volume_id(),
        "VolumeSize": s.volume_size(),
        "Encrypted": s.encrypted(),
        "KmsKeyId": s.kms_key_id(),
        "State": s.state().map(|v| v.as_str()),
        "StartTime": time(s.start_time()),
        "Description": s.description(),
        "OwnerId": s.owner_id(),
        "CreateVolumePermissions": permissions.iter()
            .map(|p| json!({"Group": p.group().map(|g| g.as_str()), "UserId": p.user_id()}))
            .collect::<Vec<_>>(),
        "Public": public,
    })
}

fn vpc_attributes(v: &Vpc) -> Value {
    json!({
        "VpcId": v.vpc_id(),
        "CidrBlock": v.cidr_block(),
        "IsDefault": v.is_default(),
        "State": v.state().map(|s| s.as_str()),
        "OwnerId": v.owner_id(),
        "DhcpOptionsId": v.dhcp_options_id(),
        "InstanceTenancy": v.instance_tenancy().map(|t| t.as_str()),
        "CidrBlockAssociationSet": v.cidr_block_association_set().iter()
            .map(|a| json!({
                "CidrBlock": a.cidr_block(),
                "State": a.cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str()),
            }))
            .collect::<Vec<_>>(),
        "Ipv6CidrBlockAssociationSet": v.ipv6_cidr_block_association_set().iter()
            .map(|a| json!({
                "Ipv6CidrBlock": a.ipv6_cidr_block(),
                "State": a.ipv6_cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str()),
            }))
            .collect::<Vec<_>>(),
    })
}

fn region_settings_attributes(encryption_by_default: Option<bool>, default_kms_key_id: Option<&str>) -> Value {
    json!({
        "EbsEncryptionByDefault": encryption_by_default,
        "EbsDefaultKmsKeyId": default_kms_key_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{
        AttachmentStatus, EbsInstanceBlockDevice, GroupIdentifier, HttpTokensState, IamInstanceProfile,
        InstanceBlockDeviceMapping, InstanceMetadataEndpointState, InstanceMetadataOptionsResponse,
        InstanceMetadataProtocolState, InstanceMetadataTagsState, InstanceState, InstanceType, IpRange, Ipv6Range,
        Monitoring, MonitoringState, PlatformValues, PrefixListId, SnapshotState, Tenancy, UserIdGroupPair,
        VolumeAttachment, VolumeAttachmentState, VolumeState, VolumeType, VpcCidrBlockAssociation, VpcCidrBlockState,
        VpcCidrBlockStateCode, VpcIpv6CidrBlockAssociation, VpcState,
    };
    use aws_smithy_types::DateTime;

    /// Compares attributes as pretty JSON so a failure shows the whole difference.
    fn check(actual: Value, expected: Value) {
        assert_eq!(serde_json::to_string_pretty(&actual).unwrap(), serde_json::to_string_pretty(&expected).unwrap());
    }

    #[test]
    fn security_group_keeps_protocols_and_nulls_absent_ports() {
        let group = SecurityGroup::builder()
            .group_id("sg-1")
            .group_name("web")
            .description("web tier")
            .vpc_id("vpc-1")
            .owner_id("111122223333")
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("6")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").description("ssh").build())
                    .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .prefix_list_ids(PrefixListId::builder().prefix_list_id("pl-1").build())
                    .user_id_group_pairs(
                        UserIdGroupPair::builder().group_id("sg-2").user_id("111122223333").vpc_id("vpc-1").build(),
                    )
                    .build(),
            )
            .ip_permissions_egress(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .build();
        check(
            security_group_attributes(&group),
            json!({
                "GroupId": "sg-1", "GroupName": "web", "Description": "web tier", "VpcId": "vpc-1",
                "OwnerId": "111122223333",
                "IpPermissions": [{
                    "IpProtocol": "6", "FromPort": 22, "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}],
                    "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": null}],
                    "PrefixListIds": [{"PrefixListId": "pl-1", "Description": null}],
                    "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "111122223333", "VpcId": "vpc-1", "Description": null}],
                }],
                "IpPermissionsEgress": [{
                    "IpProtocol": "-1", "FromPort": null, "ToPort": null,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": null}],
                    "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [],
                }],
            }),
        );
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

    #[test]
    fn volume_reports_encryption_and_attachments() {
        let volume = Volume::builder()
            .volume_id("vol-1")
            .size(8)
            .volume_type(VolumeType::Gp3)
            .encrypted(true)
            .kms_key_id("arn:aws:kms:us-east-1:1:key/k")
            .state(VolumeState::InUse)
            .availability_zone("us-east-1a")
            .snapshot_id("")
            .create_time(DateTime::from_secs(60))
            .iops(3000)
            .attachments(
                VolumeAttachment::builder()
                    .instance_id("i-1")
                    .device("/dev/xvda")
                    .state(VolumeAttachmentState::Attached)
                    .delete_on_termination(false)
                    .build(),
            )
            .build();
        check(
            volume_attributes(&volume),
            json!({
                "VolumeId": "vol-1", "Size": 8, "VolumeType": "gp3", "Encrypted": true,
                "KmsKeyId": "arn:aws:kms:us-east-1:1:key/k", "State": "in-use", "AvailabilityZone": "us-east-1a",
                "SnapshotId": null, "CreateTime": "1970-01-01T00:01:00Z", "Iops": 3000,
                "Attachments": [{"InstanceId": "i-1", "Device": "/dev/xvda", "State": "attached", "DeleteOnTermination": false}],
            }),
        );
    }

    #[test]
    fn snapshot_is_public_only_when_group_all_may_create_volumes() {
        let snapshot = Snapshot::builder()
            .snapshot_id("snap-1")
            .volume_id("vol-1")
            .volume_size(8)
            .encrypted(true)
            .kms_key_id("arn:aws:kms:us-east-1:1:key/k")
            .state(SnapshotState::Completed)
            .start_time(DateTime::from_secs(0))
            .description("nightly")
            .owner_id("111122223333")
            .build();
        let all = CreateVolumePermission::builder().group(PermissionGroup::All).build();
        let user = CreateVolumePermission::builder().user_id("444455556666").build();
        check(
            snapshot_attributes(&snapshot, &[all, user.clone()]),
            json!({
                "SnapshotId": "snap-1", "VolumeId": "vol-1", "VolumeSize": 8, "Encrypted": true,
                "KmsKeyId": "arn:aws:kms:us-east-1:1:key/k",
                "State": "completed", "StartTime": "1970-01-01T00:00:00Z", "Description": "nightly",
                "OwnerId": "111122223333",
                "CreateVolumePermissions": [{"Group": "all", "UserId": null}, {"Group": null, "UserId": "444455556666"}],
                "Public": true,
            }),
        );
        assert_eq!(snapshot_attributes(&snapshot, &[user])["Public"], json!(false));
        assert_eq!(snapshot_attributes(&snapshot, &[])["CreateVolumePermissions"], json!([]));
    }

    #[test]
    fn vpc_reports_its_cidr_associations() {
        let vpc = Vpc::builder()
            .vpc_id("vpc-1")
            .cidr_block("10.0.0.0/16")
            .is_default(false)
            .state(VpcState::Available)
            .owner_id("111122223333")
            .dhcp_options_id("dopt-1")
            .instance_tenancy(Tenancy::Default)
            .cidr_block_association_set(
                VpcCidrBlockAssociation::builder()
                    .cidr_block("10.0.0.0/16")
                    .cidr_block_state(VpcCidrBlockState::builder().state(VpcCidrBlockStateCode::Associated).build())
                    .build(),
            )
            .ipv6_cidr_block_association_set(
                VpcIpv6CidrBlockAssociation::builder()
                    .ipv6_cidr_block("2600:1f18::/56")
                    .ipv6_cidr_block_state(
                        VpcCidrBlockState::builder().state(VpcCidrBlockStateCode::Associated).build(),
                    )
                    .build(),
            )
            .build();
        check(
            vpc_attributes(&vpc),
            json!({
                "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": false, "State": "available",
                "OwnerId": "111122223333", "DhcpOptionsId": "dopt-1", "InstanceTenancy": "default",
                "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16", "State": "associated"}],
                "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18::/56", "State": "associated"}],
            }),
        );
    }

    #[test]
    fn region_settings_and_arns() {
        check(
            region_settings_attributes(Some(true), Some("alias/aws/ebs")),
            json!({"EbsEncryptionByDefault": true, "EbsDefaultKmsKeyId": "alias/aws/ebs"}),
        );
        check(
            region_settings_attributes(None, None),
            json!({"EbsEncryptionByDefault": null, "EbsDefaultKmsKeyId": null}),
        );
        let r = |s: &str| Region::new(s).unwrap();
        assert_eq!(arn(&r("eu-west-1"), "1", "vpc/vpc-1"), "arn:aws:ec2:eu-west-1:1:vpc/vpc-1");
        assert_eq!(arn(&r("cn-north-1"), "1", "region-settings"), "arn:aws-cn:ec2:cn-north-1:1:region-settings");
        assert_eq!(arn(&r("us-gov-west-1"), "1", "volume/v"), "arn:aws-us-gov:ec2:us-gov-west-1:1:volume/v");
    }

    #[test]
    fn names_come_from_the_name_tag_or_the_id() {
        let tags = tag_map(&[Tag::builder().key("Name").value("web-1").build()]);
        assert_eq!(name_or(&tags, "i-1"), "web-1");
        assert_eq!(name_or(&tag_map(&[Tag::builder().key("Name").value("").build()]), "i-1"), "i-1");
        assert_eq!(name_or(&BTreeMap::new(), "i-1"), "i-1");
    }
}
