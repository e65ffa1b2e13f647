//! KMS collector: every key in a region (customer and AWS managed) with its aliases, rotation
//! status and tags, as `AWS.KMS.Key`.

use super::actions::call;
use super::convert;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_kms::error::SdkError;
use aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput;
use aws_sdk_kms::operation::list_aliases::ListAliasesError;
use aws_sdk_kms::types::{AliasListEntry, KeyManagerType, KeyMetadata, KeySpec, KeyState, KeyUsageType, OriginType};
use futures::StreamExt;
use palisade_model::{Region, Resource, ResourceRef, ScanErrorKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SERVICE: &str = "kms";
const KEY: &str = "AWS.KMS.Key";
const NOT_FOUND: &str = "NotFoundException";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "kms",
    scope: Scope::Regional,
    resource_types: &[KEY],
    calls: &[
        call("KMS", "ListKeys", "kms:ListKeys"),
        call("KMS", "ListAliases", "kms:ListAliases"),
        call("KMS", "DescribeKey", "kms:DescribeKey"),
        call("KMS", "GetKeyRotationStatus", "kms:GetKeyRotationStatus"),
        call("KMS", "ListResourceTags", "kms:ListResourceTags"),
    ],
};

pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.kms(region);
    // One alias listing for the region beats one ListAliases per key.
    let aliases =
        list_aliases(&client, None).await.map_err(|e| api_error(SERVICE, region.as_str(), "ListAliases", e))?;
    let aliases = aliases_by_key(&aliases);

    let mut key_ids = Vec::new();
    let mut keys = client.list_keys().into_paginator().items().send();
    while let Some(key) = keys.next().await {
        let key = key.map_err(|e| api_error(SERVICE, region.as_str(), "ListKeys", e))?;
        if let Some(id) = key.key_id() {
            key_ids.push(id.to_string());
        }
    }

    let mut described = futures::stream::iter(key_ids)
        .map(|id| {
            let names = aliases.get(&id).cloned().unwrap_or_default();
            describe(ctx, &client, region, id, names)
        })
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

/// Fetches one key by its ARN (or key id).
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    let client = ctx.kms(region);
    let key_id = reference.id.as_str();
    let entries = match list_aliases(&client, Some(key_id)).await {
        Ok(entries) => entries,
        Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "ListAliases", e)),
    };
    // The listing is already filtered to this key, so every entry is one of its aliases.
    let mut names: Vec<String> = entries.iter().filter_map(|a| a.alias_name().map(str::to_string)).collect();
    names.sort();
    describe(ctx, &client, region, key_id.to_string(), names).await
}

/// Every alias in the region, or only those of `key_id`.
async fn list_aliases(
    client: &aws_sdk_kms::Client,
    key_id: Option<&str>,
) -> Result<Vec<AliasListEntry>, SdkError<ListAliasesError>> {
    let mut entries = Vec::new();
    let mut stream = client.list_aliases().set_key_id(key_id.map(str::to_string)).into_paginator().items().send();
    while let Some(entry) = stream.next().await {
        entries.push(entry?);
    }
    Ok(entries)
}

/// Describes one key: DescribeKey, then rotation status and tags where they apply.
/// `Ok(None)` when the key no longer exists.
async fn describe(
    ctx: &AwsContext,
    client: &aws_sdk_kms::Client,
    region: &Region,
    key_id: String,
    aliases: Vec<String>,
) -> Result<Option<Resource>, CollectError> {
    let metadata = match client.describe_key().key_id(&key_id).send().await {
        Ok(out) => match out.key_metadata {
            Some(m) => m,
            None => {
                return Err(CollectError::Api {
                    service: SERVICE.into(),
                    region: region.as_str().to_string(),
                    operation: "DescribeKey".into(),
                    kind: ScanErrorKind::Other,
                    message: format!("no key metadata returned for {key_id}"),
                })
            }
        },
        Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "DescribeKey", e)),
    };

    let rotation = if rotation_applies(&metadata) {
        match client.get_key_rotation_status().key_id(&key_id).send().await {
            Ok(r) => Some(r),
            Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
            Err(e) => return Err(api_error(SERVICE, region.as_str(), "GetKeyRotationStatus", e)),
        }
    } else {
        None
    };

    // AWS managed keys cannot carry tags; asking would only cost a call.
    let mut tags = BTreeMap::new();
    if metadata.key_manager() == Some(&KeyManagerType::Customer) {
        let mut stream = client.list_resource_tags().key_id(&key_id).into_paginator().items().send();
        while let Some(tag) = stream.next().await {
            match tag {
                Ok(t) => {
                    tags.insert(t.tag_key().to_string(), t.tag_value().to_string());
                }
                Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
                Err(e) => return Err(api_error(SERVICE, region.as_str(), "ListResourceTags", e)),
            }
        }
    }

    let id = metadata.arn().unwrap_or(&key_id).to_string();
    let name = aliases.first().cloned().unwrap_or_else(|| metadata.key_id().to_string());
    let attributes = key_attributes(&metadata, &aliases, rotation.as_ref());
    ctx.resource(KEY, id, region, name, tags, attributes).map(Some)
}

/// Alias names grouped by the key id they target, each group sorted. Aliases with no target
/// (predefined AWS aliases not yet in use) are dropped.
fn aliases_by_key(entries: &[AliasListEntry]) -> BTreeMap<String, Vec<String>> {
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in entries {
        if let (Some(target), Some(name)) = (entry.target_key_id(), entry.alias_name()) {
            by_key.entry(target.to_string()).or_default().push(name.to_string());
        }
    }
    for names in by_key.values_mut() {
        names.sort();
    }
    by_key
}

/// Automatic rotation exists only for customer managed symmetric encryption keys whose key
/// material KMS generated; a key pending deletion is not rotated (and its status is not served).
fn rotation_applies(m: &KeyMetadata) -> bool {
    m.key_manager() == Some(&KeyManagerType::Customer)
        && m.key_spec() == Some(&KeySpec::SymmetricDefault)
        && m.key_usage() == Some(&KeyUsageType::EncryptDecrypt)
        && m.origin() == Some(&OriginType::AwsKms)
        && !matches!(m.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion))
}

/// The attributes of one key. `rotation` is `None` when rotation does not apply to it, which
/// leaves `KeyRotationEnabled` and `RotationPeriodInDays` null.
fn key_attributes(m: &KeyMetadata, aliases: &[String], rotation: Option<&GetKeyRotationStatusOutput>) -> Value {
    json!({
        "KeyId": m.key_id(),
        "Arn": m.arn(),
        "KeyManager": m.key_manager().map(|v| v.as_str()),
        "KeyState": m.key_state().map(|v| v.as_str()),
        "Enabled": m.enabled(),
        "KeySpec": m.key_spec().map(|v| v.as_str()),
        "KeyUsage": m.key_usage().map(|v| v.as_str()),
        "Origin": m.origin().map(|v| v.as_str()),
        "Description": m.description(),
        "CreationDate": convert::time(m.creation_date()),
        "DeletionDate": convert::time(m.deletion_date()),
        "MultiRegion": m.multi_region(),
        "KeyRotationEnabled": rotation.map(|r| r.key_rotation_enabled()),
        "RotationPeriodInDays": rotation.and_then(|r| r.rotation_period_in_days()),
        "Aliases": aliases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";

    fn customer_key() -> aws_sdk_kms::types::builders::KeyMetadataBuilder {
        KeyMetadata::builder()
            .key_id(ID)
            .arn(ARN)
            .key_manager(KeyManagerType::Customer)
            .key_state(KeyState::Enabled)
            .enabled(true)
            .key_spec(KeySpec::SymmetricDefault)
            .key_usage(KeyUsageType::EncryptDecrypt)
            .origin(OriginType::AwsKms)
            .description("app data")
            .creation_date(DateTime::from_secs(1_700_000_000))
            .multi_region(false)
    }

    fn check(m: &KeyMetadata, aliases: &[&str], rotation: Option<GetKeyRotationStatusOutput>, expected: Value) {
        let aliases: Vec<String> = aliases.iter().map(|s| s.to_string()).collect();
        assert_eq!(key_attributes(m, &aliases, rotation.as_ref()), expected);
    }

    #[test]
    fn customer_key_with_rotation() {
        let m = customer_key().build().expect("metadata");
        assert!(rotation_applies(&m));
        let rotation =
            GetKeyRotationStatusOutput::builder().key_rotation_enabled(true).rotation_period_in_days(365).build();
        check(
            &m,
            &["alias/app"],
            Some(rotation),
            json!({
                "KeyId": ID, "Arn": ARN, "KeyManager": "CUSTOMER", "KeyState": "Enabled", "Enabled": true,
                "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Origin": "AWS_KMS",
                "Description": "app data", "CreationDate": "2023-11-14T22:13:20Z", "DeletionDate": null,
                "MultiRegion": false, "KeyRotationEnabled": true, "RotationPeriodInDays": 365,
                "Aliases": ["alias/app"],
            }),
        );
    }

    #[test]
    fn rotation_does_not_apply_to_asymmetric_aws_managed_imported_or_deleted_keys() {
        let asymmetric = customer_key().key_spec(KeySpec::Rsa2048).key_usage(KeyUsageType::SignVerify).build();
        let aws_managed = customer_key().key_manager(KeyManagerType::Aws).build();
        let imported = customer_key().origin(OriginType::External).build();
        let hmac = customer_key().key_spec(KeySpec::Hmac256).key_usage(KeyUsageType::GenerateVerifyMac).build();
        let deleting = customer_key().key_state(KeyState::PendingDeletion).enabled(false).build();
        for m in [asymmetric, aws_managed, imported, hmac, deleting] {
            assert!(!rotation_applies(&m.expect("metadata")));
        }
    }

    #[test]
    fn key_pending_deletion_has_null_rotation_and_a_deletion_date() {
        let m = customer_key()
            .key_state(KeyState::PendingDeletion)
            .enabled(false)
            .deletion_date(DateTime::from_secs(1_700_604_800))
            .set_multi_region(None)
            .build()
            .expect("metadata");
        let attrs = key_attributes(&m, &[], None);
        assert_eq!(attrs["KeyState"], json!("PendingDeletion"));
        assert_eq!(attrs["DeletionDate"], json!("2023-11-21T22:13:20Z"));
        assert_eq!(attrs["KeyRotationEnabled"], Value::Null);
        assert_eq!(attrs["RotationPeriodInDays"], Value::Null);
        assert_eq!(attrs["MultiRegion"], Value::Null);
        assert_eq!(attrs["Aliases"], json!([]));
    }

    #[test]
    fn groups_aliases_by_target_and_drops_unassigned_ones() {
        let entry = |name: &str, target: Option<&str>| {
            AliasListEntry::builder().alias_name(name).set_target_key_id(target.map(str::to_string)).build()
        };
        let entries = [
            entry("alias/zeta", Some("k1")),
            entry("alias/alpha", Some("k1")),
            entry("alias/other", Some("k2")),
            entry("alias/aws/unused", None),
        ];
        let grouped = aliases_by_key(&entries);
        assert_eq!(grouped.len(), 2);
        assert_eq!(grouped["k1"], vec!["alias/alpha".to_string(), "alias/zeta".to_string()]);
        assert_eq!(grouped["k2"], vec!["alias/other".to_string()]);
    }
}
