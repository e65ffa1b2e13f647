//! The EC2 collector's spec, its region-wide listing, fetch by reference, and the small helpers
//! every resource kind shares.

use super::{ebs, instances, network_acls, security_groups, vpcs};
use crate::aws::actions::call;
use crate::aws::error::{api_error, error_code};
use crate::aws::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use palisade_model::{Region, Resource, ResourceRef};

/// The service name in scan errors.
pub(super) const SERVICE: &str = "ec2";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "ec2",
    scope: Scope::Regional,
    resource_types: &[
        security_groups::SECURITY_GROUP,
        instances::INSTANCE,
        ebs::VOLUME,
        ebs::SNAPSHOT,
        vpcs::VPC,
        network_acls::NETWORK_ACL,
        ebs::REGION_SETTINGS,
    ],
    calls: &[
        call("EC2", "DescribeSecurityGroups", "ec2:DescribeSecurityGroups"),
        call("EC2", "DescribeInstances", "ec2:DescribeInstances"),
        call("EC2", "DescribeVolumes", "ec2:DescribeVolumes"),
        call("EC2", "DescribeSnapshots", "ec2:DescribeSnapshots"),
        call("EC2", "DescribeSnapshotAttribute", "ec2:DescribeSnapshotAttribute"),
        call("EC2", "DescribeVpcs", "ec2:DescribeVpcs"),
        call("EC2", "DescribeFlowLogs", "ec2:DescribeFlowLogs"),
        call("EC2", "DescribeNetworkAcls", "ec2:DescribeNetworkAcls"),
        call("EC2", "GetEbsEncryptionByDefault", "ec2:GetEbsEncryptionByDefault"),
        call("EC2", "GetEbsDefaultKmsKeyId", "ec2:GetEbsDefaultKmsKeyId"),
    ],
};

/// Lists every EC2 resource type in `region`. A failed listing does not stop the others (one
/// denied action should not hide the rest of the region): the first failure is returned as the
/// listing error once all have run, later ones are recorded on `out`.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.ec2(region);
    match ebs::region_settings_resource(ctx, &client, region).await {
        Ok(resource) => out.resource(resource).await?,
        Err(e) => out.error(&e).await?,
    }
    let mut first_failure = None;
    let r = security_groups::collect(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = instances::collect(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = ebs::collect_volumes(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = ebs::collect_snapshots(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = vpcs::collect(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    let r = network_acls::collect(ctx, &client, region, out).await;
    note_listing(r, &mut first_failure, out).await?;
    first_failure.map_or(Ok(()), Err)
}

/// Fetches one resource by reference; the cloud id is the ARN's part after its last `/`.
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    let client = ctx.ec2(region);
    if reference.resource_type == ebs::REGION_SETTINGS {
        return ebs::region_settings_resource(ctx, &client, region).await.map(Some);
    }
    let id = reference.id.as_str().rsplit('/').next().unwrap_or_default();
    if id.is_empty() || !reference.id.as_str().contains('/') {
        // Not one of our ARNs, so it cannot name an existing resource (and an empty id filter
        // would describe every resource in the region).
        return Ok(None);
    }
    match reference.resource_type.as_str() {
        security_groups::SECURITY_GROUP => security_groups::fetch(ctx, &client, region, id).await,
        instances::INSTANCE => instances::fetch(ctx, &client, region, id).await,
        ebs::VOLUME => ebs::fetch_volume(ctx, &client, region, id).await,
        ebs::SNAPSHOT => ebs::fetch_snapshot(ctx, &client, region, id).await,
        vpcs::VPC => vpcs::fetch(ctx, &client, region, id).await,
        network_acls::NETWORK_ACL => network_acls::fetch(ctx, &client, region, id).await,
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
pub(super) async fn emit(out: &Emitter, described: Result<Option<Resource>, CollectError>) -> Result<(), CollectError> {
    match described {
        Ok(Some(resource)) => out.resource(resource).await,
        Ok(None) => Ok(()),
        Err(e) => out.error(&e).await,
    }
}

/// `Ok(None)` for the error code that means the resource does not exist, otherwise the error.
pub(super) fn missing_or_error<T, E, R>(
    err: SdkError<E, R>,
    not_found: &str,
    region: &Region,
    operation: &str,
) -> Result<Option<T>, CollectError>
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
