//! EFS collector: every file system in a region, with its encryption at rest, as
//! `AWS.EFS.FileSystem`.

use super::actions::call;
use super::convert;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_efs::types::FileSystemDescription;
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};

const SERVICE: &str = "efs";
const FILE_SYSTEM: &str = "AWS.EFS.FileSystem";
/// DescribeFileSystems' answer when the named file system does not exist.
const NOT_FOUND: &str = "FileSystemNotFound";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "efs",
    scope: Scope::Regional,
    resource_types: &[FILE_SYSTEM],
    calls: &[call("EFS", "DescribeFileSystems", "elasticfilesystem:DescribeFileSystems")],
};

/// Lists every file system in `region`. DescribeFileSystems returns everything the attributes
/// need (tags included), so there are no per-file-system calls.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.efs(region);
    let mut stream = client.describe_file_systems().into_paginator().items().send();
    while let Some(fs) = stream.next().await {
        let fs = fs.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeFileSystems", e))?;
        if let Some(resource) = describe(ctx, region, &fs)? {
            out.resource(resource).await?;
        }
    }
    Ok(())
}

/// Fetches one file system by its ARN
/// (`arn:aws:elasticfilesystem:{region}:{account}:file-system/{id}`).
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    let id = file_system_id_from_arn(reference.id.as_str());
    let answer = ctx.efs(region).describe_file_systems().file_system_id(id).send().await;
    let file_systems = match answer {
        Ok(out) => out.file_systems.unwrap_or_default(),
        Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "DescribeFileSystems", e)),
    };
    match file_systems.iter().find(|fs| fs.file_system_id() == id) {
        Some(fs) => describe(ctx, region, fs),
        None => Ok(None),
    }
}

/// The resource for one file system, shared by `collect` and `fetch`. An entry without an ARN
/// cannot be identified and is skipped (the API always returns one).
fn describe(ctx: &AwsContext, region: &Region, fs: &FileSystemDescription) -> Result<Option<Resource>, CollectError> {
    let Some(arn) = fs.file_system_arn() else { return Ok(None) };
    let tags = convert::tags(fs.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    ctx.resource(FILE_SYSTEM, arn.to_string(), region, name(fs), tags, file_system_attributes(fs)).map(Some)
}

/// The file system id: the ARN's part after its last `/` (a bare id stays as is).
fn file_system_id_from_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

// ---- pure: SDK shapes to attributes ----

/// The `Name` tag's value as EFS reports it, else the file system id.
fn name(fs: &FileSystemDescription) -> String {
    fs.name().filter(|n| !n.is_empty()).unwrap_or(fs.file_system_id()).to_string()
}

fn file_system_attributes(fs: &FileSystemDescription) -> Value {
    json!({
        "FileSystemId": fs.file_system_id(),
        "FileSystemArn": fs.file_system_arn(),
        "Encrypted": fs.encrypted(),
        "KmsKeyId": fs.kms_key_id(),
        "LifeCycleState": fs.life_cycle_state().as_str(),
        "PerformanceMode": fs.performance_mode().as_str(),
        "ThroughputMode": fs.throughput_mode().map(|m| m.as_str()),
        "NumberOfMountTargets": fs.number_of_mount_targets(),
        "CreationTime": convert::time(Some(fs.creation_time())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_efs::types::{LifeCycleState, PerformanceMode, Tag, ThroughputMode};
    use aws_smithy_types::DateTime;

    const ARN: &str = "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-0123456789abcdef0";

    fn file_system() -> aws_sdk_efs::types::builders::FileSystemDescriptionBuilder {
        FileSystemDescription::builder()
            .owner_id("111122223333")
            .creation_token("token")
            .file_system_id("fs-0123456789abcdef0")
            .file_system_arn(ARN)
            .creation_time(DateTime::from_secs(1_700_000_000))
            .life_cycle_state(LifeCycleState::Available)
            .number_of_mount_targets(2)
            .performance_mode(PerformanceMode::GeneralPurpose)
            .set_tags(Some(vec![]))
    }

    #[test]
    fn encrypted_file_system_named_by_its_name_tag() {
        let fs = file_system()
            .name("shared")
            .encrypted(true)
            .kms_key_id("arn:aws:kms:us-east-1:111122223333:key/k")
            .throughput_mode(ThroughputMode::Elastic)
            .tags(Tag::builder().key("Name").value("shared").build().expect("tag"))
            .build()
            .expect("file system");
        assert_eq!(name(&fs), "shared");
        assert_eq!(
            file_system_attributes(&fs),
            json!({
                "FileSystemId": "fs-0123456789abcdef0", "FileSystemArn": ARN, "Encrypted": true,
                "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/k", "LifeCycleState": "available",
                "PerformanceMode": "generalPurpose", "ThroughputMode": "elastic", "NumberOfMountTargets": 2,
                "CreationTime": "2023-11-14T22:13:20Z",
            })
        );
    }

    #[test]
    fn unencrypted_unnamed_file_system() {
        // EFS omits Name without a Name tag (some emulators send ""): the id names it then.
        for unnamed in [file_system(), file_system().name("")] {
            let fs = unnamed.encrypted(false).build().expect("file system");
            assert_eq!(name(&fs), "fs-0123456789abcdef0");
            let attrs = file_system_attributes(&fs);
            assert_eq!(attrs["Encrypted"], json!(false));
            assert_eq!(attrs["KmsKeyId"], Value::Null);
            assert_eq!(attrs["ThroughputMode"], Value::Null);
        }
    }

    #[test]
    fn file_system_id_is_the_arns_last_part() {
        assert_eq!(file_system_id_from_arn(ARN), "fs-0123456789abcdef0");
        assert_eq!(file_system_id_from_arn("fs-1"), "fs-1");
    }
}
