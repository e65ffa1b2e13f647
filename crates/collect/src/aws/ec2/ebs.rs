//! EBS: volumes (`AWS.EC2.Volume`), the account's own snapshots (`AWS.EC2.Snapshot`), and each
//! region's encryption-by-default settings (`AWS.Region.EC2`).

use super::naming::{arn, name_or, tag_map};
use super::service::{emit, missing_or_error, SERVICE};
use crate::aws::convert::time;
use crate::aws::error::api_error;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_ec2::types::{CreateVolumePermission, PermissionGroup, Snapshot, SnapshotAttributeName, Volume};
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) const VOLUME: &str = "AWS.EC2.Volume";
pub(super) const SNAPSHOT: &str = "AWS.EC2.Snapshot";
pub(super) const REGION_SETTINGS: &str = "AWS.Region.EC2";

pub(super) async fn collect_volumes(
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

pub(super) async fn collect_snapshots(
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

/// DescribeVolumes for one volume id; `InvalidVolume.NotFound` means it is gone.
pub(super) async fn fetch_volume(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    id: &str,
) -> Result<Option<Resource>, CollectError> {
    let op = "DescribeVolumes";
    let found = match client.describe_volumes().volume_ids(id).send().await {
        Ok(o) => o.volumes().iter().find(|v| v.volume_id() == Some(id)).cloned(),
        Err(e) => return missing_or_error(e, "InvalidVolume.NotFound", region, op),
    };
    found.map_or(Ok(None), |v| volume_resource(ctx, region, &v))
}

/// DescribeSnapshots for one of the account's own snapshots; `InvalidSnapshot.NotFound` means it is gone.
pub(super) async fn fetch_snapshot(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    id: &str,
) -> Result<Option<Resource>, CollectError> {
    let op = "DescribeSnapshots";
    // Only the account's own snapshots are collected, so fetch only those too.
    let found = match client.describe_snapshots().owner_ids("self").snapshot_ids(id).send().await {
        Ok(o) => o.snapshots().iter().find(|s| s.snapshot_id() == Some(id)).cloned(),
        Err(e) => return missing_or_error(e, "InvalidSnapshot.NotFound", region, op),
    };
    match found {
        Some(s) => snapshot_resource(ctx, client, region, &s).await,
        None => Ok(None),
    }
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

pub(super) async fn region_settings_resource(
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

fn region_settings_attributes(encryption_by_default: Option<bool>, default_kms_key_id: Option<&str>) -> Value {
    json!({
        "EbsEncryptionByDefault": encryption_by_default,
        "EbsDefaultKmsKeyId": default_kms_key_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{SnapshotState, VolumeAttachment, VolumeAttachmentState, VolumeState, VolumeType};
    use aws_smithy_types::DateTime;

    /// Compares attributes as pretty JSON so a failure shows the whole difference.
    fn check(actual: Value, expected: Value) {
        assert_eq!(serde_json::to_string_pretty(&actual).unwrap(), serde_json::to_string_pretty(&expected).unwrap());
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
    fn region_settings_keep_nulls() {
        check(
            region_settings_attributes(Some(true), Some("alias/aws/ebs")),
            json!({"EbsEncryptionByDefault": true, "EbsDefaultKmsKeyId": "alias/aws/ebs"}),
        );
        check(
            region_settings_attributes(None, None),
            json!({"EbsEncryptionByDefault": null, "EbsDefaultKmsKeyId": null}),
        );
    }
}
