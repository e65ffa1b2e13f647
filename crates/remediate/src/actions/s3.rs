//! S3 bucket fixes: the bucket's Block Public Access switches, and its default encryption.

use crate::action::{call, str_param, ActionSpec, Effect, ParamSpec, Params};
use crate::error::api_error;
use crate::{RemediateError, WriteContext};
use aws_sdk_s3::types::{
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
};
use palisade_model::Resource;
use serde_json::{json, Value};

pub(crate) const BLOCK_PUBLIC_ACCESS: ActionSpec = ActionSpec {
    id: "s3-block-public-access",
    title: "Turn on the bucket's four Block Public Access switches",
    resource_types: &["AWS.S3.Bucket"],
    params: &[],
    calls: &[
        call("S3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        call("S3", "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock"),
    ],
};

pub(crate) const DEFAULT_ENCRYPTION: ActionSpec = ActionSpec {
    id: "s3-enable-default-encryption",
    title: "Give the bucket a default encryption rule (SSE-S3, or SSE-KMS with a given key)",
    resource_types: &["AWS.S3.Bucket"],
    params: &[ParamSpec {
        name: KMS_KEY_PARAM,
        meaning: "a KMS key id, ARN or alias for SSE-KMS (with an S3 Bucket Key); without it, SSE-S3 (AES256)",
        default: "none (SSE-S3)",
    }],
    calls: &[
        call("S3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
        call("S3", "PutBucketEncryption", "s3:PutEncryptionConfiguration"),
    ],
};

const KMS_KEY_PARAM: &str = "s3_encryption_kms_key_id";

const SWITCHES: [&str; 4] = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"];

/// The algorithms the encryption policy accepts as a default encryption rule.
const ACCEPTED_ALGORITHMS: [&str; 3] = ["AES256", "aws:kms", "aws:kms:dsse"];

fn bucket_name(resource: &Resource) -> &str {
    // Buckets are named by their ARN's resource part; the name is also the resource's name.
    resource.id.as_str().rsplit(":::").next().filter(|n| !n.is_empty()).unwrap_or(resource.name.as_str())
}

/// All four switches on, whatever the bucket had (`null`: no configuration at all).
fn decide_block_public_access(current: &Value) -> Effect {
    let changes = SWITCHES
        .iter()
        .filter(|s| current.get(**s).and_then(Value::as_bool) != Some(true))
        .map(|s| format!("turn on {s}"))
        .collect();
    let all_on: serde_json::Map<String, Value> = SWITCHES.iter().map(|s| (s.to_string(), json!(true))).collect();
    Effect {
        before: json!({ "PublicAccessBlock": current }),
        after: json!({ "PublicAccessBlock": all_on }),
        changes,
        left_alone: Vec::new(),
    }
}

pub(crate) fn plan_block_public_access(resource: &Resource) -> Effect {
    decide_block_public_access(resource.attributes.get("PublicAccessBlock").unwrap_or(&Value::Null))
}

pub(crate) async fn apply_block_public_access(
    ctx: &WriteContext,
    resource: &Resource,
) -> Result<Effect, RemediateError> {
    let bucket = bucket_name(resource);
    let s3 = ctx.s3(&resource.region);
    let before = read_public_access_block(&s3, bucket).await?;
    let mut effect = decide_block_public_access(&before);
    if effect.changed() {
        let all_on = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        s3.put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(all_on)
            .send()
            .await
            .map_err(|e| api_error("s3", "PutPublicAccessBlock", format!("bucket {bucket}"), e))?;
    }
    effect.after = json!({ "PublicAccessBlock": read_public_access_block(&s3, bucket).await? });
    Ok(effect)
}

/// The bucket's switches in the attributes' shape, `null` when it has no configuration.
async fn read_public_access_block(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Value, RemediateError> {
    match s3.get_public_access_block().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .public_access_block_configuration()
            .map(|c| {
                json!({
                    "BlockPublicAcls": c.block_public_acls(),
                    "IgnorePublicAcls": c.ignore_public_acls(),
                    "BlockPublicPolicy": c.block_public_policy(),
                    "RestrictPublicBuckets": c.restrict_public_buckets(),
                })
            })
            .unwrap_or(Value::Null)),
        Err(e) => {
            let err = api_error("s3", "GetPublicAccessBlock", format!("bucket {bucket}"), e);
            if err.code() == Some("NoSuchPublicAccessBlockConfiguration") {
                Ok(Value::Null)
            } else {
                Err(err)
            }
        }
    }
}

/// A default encryption rule with an accepted algorithm is kept as it is (whichever it is);
/// otherwise one is added: SSE-KMS with `kms_key` (and a Bucket Key), or SSE-S3.
fn decide_default_encryption(current: &Value, kms_key: Option<&str>) -> Effect {
    let has_rule = current.get("Rules").and_then(Value::as_array).is_some_and(|rules| {
        rules.iter().any(|r| {
            r.pointer("/ApplyServerSideEncryptionByDefault/SSEAlgorithm")
                .and_then(Value::as_str)
                .is_some_and(|a| ACCEPTED_ALGORITHMS.contains(&a))
        })
    });
    let before = json!({ "Encryption": current });
    if has_rule {
        return Effect { after: before.clone(), before, changes: Vec::new(), left_alone: Vec::new() };
    }
    let (rule, change) = match kms_key {
        Some(key) => (
            json!({"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}, "BucketKeyEnabled": true}),
            format!("set default encryption to SSE-KMS with key {key} (S3 Bucket Key on)"),
        ),
        None => (
            json!({"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": null}, "BucketKeyEnabled": null}),
            "set default encryption to SSE-S3 (AES256)".to_string(),
        ),
    };
    Effect {
        before,
        after: json!({ "Encryption": { "Rules": [rule] } }),
        changes: vec![change],
        left_alone: Vec::new(),
    }
}

pub(crate) fn plan_default_encryption(resource: &Resource, params: &Params) -> Result<Effect, RemediateError> {
    let kms_key = str_param(params, KMS_KEY_PARAM)?;
    Ok(decide_default_encryption(resource.attributes.get("Encryption").unwrap_or(&Value::Null), kms_key))
}

pub(crate) async fn apply_default_encryption(
    ctx: &WriteContext,
    resource: &Resource,
    params: &Params,
) -> Result<Effect, RemediateError> {
    let kms_key = str_param(params, KMS_KEY_PARAM)?;
    let bucket = bucket_name(resource);
    let s3 = ctx.s3(&resource.region);
    let before = read_default_encryption(&s3, bucket).await?;
    let mut effect = decide_default_encryption(&before, kms_key);
    if effect.changed() {
        let by_default = match kms_key {
            Some(key) => ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::AwsKms)
                .kms_master_key_id(key),
            None => ServerSideEncryptionByDefault::builder().sse_algorithm(ServerSideEncryption::Aes256),
        }
        .build()
        .map_err(|e| RemediateError::Param { name: KMS_KEY_PARAM, message: e.to_string() })?;
        let mut rule = ServerSideEncryptionRule::builder().apply_server_side_encryption_by_default(by_default);
        if kms_key.is_some() {
            rule = rule.bucket_key_enabled(true);
        }
        let config = ServerSideEncryptionConfiguration::builder()
            .rules(rule.build())
            .build()
            .map_err(|e| RemediateError::Param { name: KMS_KEY_PARAM, message: e.to_string() })?;
        s3.put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(config)
            .send()
            .await
            .map_err(|e| api_error("s3", "PutBucketEncryption", format!("bucket {bucket}"), e))?;
    }
    effect.after = json!({ "Encryption": read_default_encryption(&s3, bucket).await? });
    Ok(effect)
}

/// The bucket's default encryption in the attributes' shape, `null` when it has none.
async fn read_default_encryption(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Value, RemediateError> {
    match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .server_side_encryption_configuration()
            .map(|c| {
                let rules: Vec<Value> = c
                    .rules()
                    .iter()
                    .map(|r| {
                        let by_default = r.apply_server_side_encryption_by_default().map(|d| {
                            json!({"SSEAlgorithm": d.sse_algorithm().as_str(), "KMSMasterKeyID": d.kms_master_key_id()})
                        });
                        json!({"ApplyServerSideEncryptionByDefault": by_default, "BucketKeyEnabled": r.bucket_key_enabled()})
                    })
                    .collect();
                json!({ "Rules": rules })
            })
            .unwrap_or(Value::Null)),
        Err(e) => {
            let err = api_error("s3", "GetBucketEncryption", format!("bucket {bucket}"), e);
            if err.code() == Some("ServerSideEncryptionConfigurationNotFoundError") {
                Ok(Value::Null)
            } else {
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_public_access_turns_on_only_what_is_off() {
        let none = decide_block_public_access(&Value::Null);
        assert_eq!(none.changes.len(), 4);
        assert_eq!(none.after["PublicAccessBlock"]["RestrictPublicBuckets"], true);
        let partial = decide_block_public_access(&json!({
            "BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": null
        }));
        assert_eq!(partial.changes, vec!["turn on BlockPublicPolicy", "turn on RestrictPublicBuckets"]);
        let done = decide_block_public_access(&none.after["PublicAccessBlock"]);
        assert!(!done.changed());
    }

    #[test]
    fn default_encryption_keeps_an_existing_rule_and_adds_sse_s3_or_kms() {
        let kms_rule = json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"}}]});
        let kept = decide_default_encryption(&kms_rule, None);
        assert!(!kept.changed());
        assert_eq!(kept.after, kept.before);

        let sse_s3 = decide_default_encryption(&Value::Null, None);
        assert_eq!(sse_s3.changes, vec!["set default encryption to SSE-S3 (AES256)"]);
        assert_eq!(
            sse_s3.after["Encryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "AES256"
        );

        let kms = decide_default_encryption(&json!({"Rules": []}), Some("alias/data"));
        assert_eq!(
            kms.after["Encryption"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"],
            "alias/data"
        );
        assert_eq!(kms.after["Encryption"]["Rules"][0]["BucketKeyEnabled"], true);
    }
}
