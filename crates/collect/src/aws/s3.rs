//! S3 collector: every bucket of the account (listed once), described in its own region.
//!
//! Buckets are listed through one global `ListBuckets`, but each lives in a region: the collector
//! keeps only buckets in the regions the scan covers and describes each with a client for its
//! region. The account-level public access block (S3 Control) is read once per collect and copied
//! into every bucket, so a policy can judge a bucket's effective exposure from one resource.

use super::actions::call;
use super::convert;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_s3::operation::get_bucket_acl::GetBucketAclOutput;
use aws_sdk_s3::operation::get_bucket_logging::GetBucketLoggingOutput;
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::types::{
    ObjectLockConfiguration, PolicyStatus, PublicAccessBlockConfiguration, ServerSideEncryptionConfiguration, Tag,
};
use aws_sdk_s3control::config::endpoint::{EndpointFuture, Params as S3ControlParams, ResolveEndpoint};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::DateTime;
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(crate) const BUCKET: &str = "AWS.S3.Bucket";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "s3",
    scope: Scope::GlobalListingRegionalResources,
    resource_types: &[BUCKET],
    calls: &[
        call("S3", "ListBuckets", "s3:ListAllMyBuckets"),
        call("S3", "GetBucketLocation", "s3:GetBucketLocation"),
        call("S3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
        call("S3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
        call("S3", "GetBucketAcl", "s3:GetBucketAcl"),
        call("S3", "GetBucketPolicy", "s3:GetBucketPolicy"),
        call("S3", "GetBucketPolicyStatus", "s3:GetBucketPolicyStatus"),
        call("S3", "GetBucketVersioning", "s3:GetBucketVersioning"),
        call("S3", "GetBucketLogging", "s3:GetBucketLogging"),
        call("S3", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration"),
        call("S3", "GetBucketTagging", "s3:GetBucketTagging"),
        call("S3 Control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
    ],
};

/// Error codes meaning "this bucket has no such configuration", which is an answer, not a failure.
const NO_ENCRYPTION: &[&str] = &["ServerSideEncryptionConfigurationNotFoundError"];
const NO_PUBLIC_ACCESS_BLOCK: &[&str] = &["NoSuchPublicAccessBlockConfiguration"];
const NO_POLICY: &[&str] = &["NoSuchBucketPolicy"];
const NO_OBJECT_LOCK: &[&str] = &["ObjectLockConfigurationNotFoundError"];
const NO_TAGS: &[&str] = &["NoSuchTagSet"];
/// The bucket was deleted between listing and description.
const GONE: &str = "NoSuchBucket";

/// One bucket as `ListBuckets` returned it.
#[derive(Debug, Clone)]
struct ListedBucket {
    name: String,
    creation_date: Option<DateTime>,
    /// Present when S3 returns it (paginated listings do); otherwise looked up.
    region: Option<String>,
}

pub(crate) async fn collect(ctx: &AwsContext, out: &Emitter) -> Result<(), CollectError> {
    let home = ctx.default_region();
    let s3 = ctx.s3(&home);
    let listed = list_buckets(&s3, &home, None).await?;

    let mut located = stream::iter(listed)
        .map(|bucket| {
            let (s3, home) = (&s3, &home);
            async move {
                let region = locate(s3, home, &bucket).await;
                (bucket, region)
            }
        })
        .buffer_unordered(ctx.item_concurrency());
    // One client per region, shared by every bucket there.
    let mut clients: BTreeMap<Region, aws_sdk_s3::Client> = BTreeMap::new();
    let mut wanted = Vec::new();
    while let Some((bucket, region)) = located.next().await {
        match region {
            Ok(Some(region)) if ctx.covers_region(region.as_str()) => {
                let client = clients
                    .entry(region.clone())
                    .or_insert_with(|| if region == home { s3.clone() } else { ctx.s3(&region) })
                    .clone();
                wanted.push((bucket, region, client));
            }
            Ok(_) => {}
            Err(e) => out.error(&e).await?,
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }

    let account_pab = match account_public_access_block(ctx, &home).await {
        Ok(v) => v,
        Err(e) => {
            // A denied account-level read must not hide the buckets: it is reported, and the
            // attribute is null.
            out.error(&e).await?;
            Value::Null
        }
    };

    let mut described = stream::iter(wanted)
        .map(|(bucket, region, client)| {
            let account_pab = &account_pab;
            async move { describe_bucket(ctx, &client, &bucket, &region, account_pab).await }
        })
        .buffer_unordered(ctx.item_concurrency());
    while let Some(d) = described.next().await {
        match d {
            Described::Bucket(r) => out.resource(*r).await?,
            Described::Gone => {}
            Described::Failed { first, more } => {
                for e in std::iter::once(&first).chain(&more) {
                    out.error(e).await?;
                }
            }
        }
    }
    Ok(())
}

pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let Some(name) = bucket_name_from_arn(reference.id.as_str()) else {
        return Ok(None);
    };
    let home = ctx.default_region();
    let s3 = ctx.s3(&home);
    // The creation date (and, on AWS, the region) come only from ListBuckets; the prefix keeps
    // the listing to this bucket and its namesakes.
    let listed = list_buckets(&s3, &home, Some(name)).await?;
    let Some(bucket) = listed.into_iter().find(|b| b.name == name) else {
        return Ok(None);
    };
    let Some(region) = locate(&s3, &home, &bucket).await? else {
        return Ok(None);
    };
    let client = if region == home { s3 } else { ctx.s3(&region) };
    let account_pab = account_public_access_block(ctx, &home).await.unwrap_or_else(|e| {
        // Same rule as collect: the bucket is still described, the account setting is null.
        tracing::warn!(error = %e, bucket = name, "reading the account public access block failed");
        Value::Null
    });
    match describe_bucket(ctx, &client, &bucket, &region, &account_pab).await {
        Described::Bucket(r) => Ok(Some(*r)),
        Described::Gone => Ok(None),
        Described::Failed { first, .. } => Err(first),
    }
}

/// `arn:aws:s3:::name` (any partition) to `name`.
fn bucket_name_from_arn(arn: &str) -> Option<&str> {
    arn.split_once(":s3:::").map(|(_, name)| name).filter(|n| !n.is_empty() && !n.contains('/'))
}

async fn list_buckets(
    s3: &aws_sdk_s3::Client,
    home: &Region,
    prefix: Option<&str>,
) -> Result<Vec<ListedBucket>, CollectError> {
    let mut stream =
        s3.list_buckets().set_prefix(prefix.map(str::to_string)).into_paginator().page_size(1000).items().send();
    let mut buckets = Vec::new();
    while let Some(item) = stream.next().await {
        let bucket = item.map_err(|e| api_error("s3", home.as_str(), "ListBuckets", e))?;
        let Some(name) = bucket.name() else { continue };
        buckets.push(ListedBucket {
            name: name.to_string(),
            creation_date: bucket.creation_date().cloned(),
            region: bucket.bucket_region().filter(|r| !r.is_empty()).map(str::to_string),
        });
    }
    Ok(buckets)
}

/// The bucket's region: from the listing if it carried one, else from GetBucketLocation.
/// `Ok(None)` when the bucket is gone.
async fn locate(s3: &aws_sdk_s3::Client, home: &Region, bucket: &ListedBucket) -> Result<Option<Region>, CollectError> {
    let name = match &bucket.region {
        Some(r) => r.clone(),
        None => match s3.get_bucket_location().bucket(&bucket.name).send().await {
            Ok(out) => location_region(out.location_constraint().map(|c| c.as_str())),
            Err(e) if error_code(&e) == Some(GONE) => return Ok(None),
            Err(e) => return Err(api_error("s3", home.as_str(), "GetBucketLocation", e)),
        },
    };
    Region::new(name.as_str())
        .map(Some)
        .map_err(|e| CollectError::Config(format!("bucket {} reports an unusable region: {e}", bucket.name)))
}

/// GetBucketLocation's answer as a region: no constraint means us-east-1, and the legacy `EU`
/// means eu-west-1.
fn location_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

/// The account-level public access block as JSON (null when the account has none).
async fn account_public_access_block(ctx: &AwsContext, home: &Region) -> Result<Value, CollectError> {
    let res = s3control(ctx).get_public_access_block().account_id(ctx.account_id().as_str()).send().await;
    match res {
        Ok(out) => Ok(out
            .public_access_block_configuration()
            .map(|c| {
                public_access_block_json(
                    c.block_public_acls(),
                    c.ignore_public_acls(),
                    c.block_public_policy(),
                    c.restrict_public_buckets(),
                )
            })
            .unwrap_or(Value::Null)),
        Err(e) if error_code(&e).is_some_and(|c| NO_PUBLIC_ACCESS_BLOCK.contains(&c)) => Ok(Value::Null),
        Err(e) => Err(api_error("s3control", home.as_str(), "GetPublicAccessBlock", e)),
    }
}

/// The S3 Control client, with an endpoint resolver that reaches an emulator (see
/// [`KeepEndpointOverride`]).
fn s3control(ctx: &AwsContext) -> aws_sdk_s3control::Client {
    let conf = ctx.s3control().config().to_builder().endpoint_resolver(KeepEndpointOverride::default()).build();
    aws_sdk_s3control::Client::from_conf(conf)
}

/// S3 Control's endpoint rules put the account id in the host name (`{account}.s3-control...`),
/// and they do so for an endpoint override too (`{account}.{override host}`), which cannot
/// resolve when the override is an emulator on `127.0.0.1`. With an override this resolver keeps
/// the configured URL as is (the account id still travels in the `x-amz-account-id` header, and
/// the signing properties still come from AWS's rules); without one, AWS's rules apply unchanged.
#[derive(Debug, Default)]
struct KeepEndpointOverride(aws_sdk_s3control::config::endpoint::DefaultResolver);

impl ResolveEndpoint for KeepEndpointOverride {
    fn resolve_endpoint<'a>(&'a self, params: &'a S3ControlParams) -> EndpointFuture<'a> {
        EndpointFuture::new(async move {
            let resolved = self.0.resolve_endpoint(params).await?;
            Ok(match params.endpoint() {
                Some(url) => resolved.into_builder().url(url.to_string()).build(),
                None => resolved,
            })
        })
    }
}

/// How describing one bucket ended.
enum Described {
    Bucket(Box<Resource>),
    /// Deleted since it was listed: not an error.
    Gone,
    /// Calls that failed for another reason; the bucket is not emitted.
    Failed {
        first: CollectError,
        more: Vec<CollectError>,
    },
}

/// Sorts per-bucket call results into values, "not configured", "gone" and failures.
struct Settle<'a> {
    region: &'a str,
    gone: bool,
    failures: Vec<CollectError>,
}

impl Settle<'_> {
    /// The call's output, or `None` when it answered with one of `not_configured` (or failed,
    /// which is recorded).
    fn take<T, E>(
        &mut self,
        operation: &str,
        not_configured: &[&str],
        res: Result<T, SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match res {
            Ok(v) => Some(v),
            Err(e) => {
                match error_code(&e) {
                    Some(GONE) => self.gone = true,
                    Some(c) if not_configured.contains(&c) => {}
                    _ => self.failures.push(api_error("s3", self.region, operation, e)),
                }
                None
            }
        }
    }
}

/// Everything the per-bucket calls returned, before conversion to JSON.
#[derive(Debug, Default)]
struct BucketParts {
    encryption: Option<ServerSideEncryptionConfiguration>,
    public_access_block: Option<PublicAccessBlockConfiguration>,
    acl: Option<GetBucketAclOutput>,
    policy: Option<String>,
    policy_status: Option<PolicyStatus>,
    versioning: Option<GetBucketVersioningOutput>,
    logging: Option<GetBucketLoggingOutput>,
    object_lock: Option<ObjectLockConfiguration>,
    tags: Vec<Tag>,
}

/// Describes one bucket with the client for its region; shared by `collect` and `fetch`.
async fn describe_bucket(
    ctx: &AwsContext,
    s3: &aws_sdk_s3::Client,
    bucket: &ListedBucket,
    region: &Region,
    account_pab: &Value,
) -> Described {
    let name = bucket.name.as_str();
    let (encryption, pab, acl, policy, policy_status, versioning, logging, object_lock, tagging) = futures::join!(
        s3.get_bucket_encryption().bucket(name).send(),
        s3.get_public_access_block().bucket(name).send(),
        s3.get_bucket_acl().bucket(name).send(),
        s3.get_bucket_policy().bucket(name).send(),
        s3.get_bucket_policy_status().bucket(name).send(),
        s3.get_bucket_versioning().bucket(name).send(),
        s3.get_bucket_logging().bucket(name).send(),
        s3.get_object_lock_configuration().bucket(name).send(),
        s3.get_bucket_tagging().bucket(name).send(),
    );
    let mut settle = Settle { region: region.as_str(), gone: false, failures: Vec::new() };
    let parts = BucketParts {
        encryption: settle
            .take("GetBucketEncryption", NO_ENCRYPTION, encryption)
            .and_then(|o| o.server_side_encryption_configuration),
        public_access_block: settle
            .take("GetPublicAccessBlock", NO_PUBLIC_ACCESS_BLOCK, pab)
            .and_then(|o| o.public_access_block_configuration),
        acl: settle.take("GetBucketAcl", &[], acl),
        policy: settle.take("GetBucketPolicy", NO_POLICY, policy).and_then(|o| o.policy),
        policy_status: settle.take("GetBucketPolicyStatus", NO_POLICY, policy_status).and_then(|o| o.policy_status),
        versioning: settle.take("GetBucketVersioning", &[], versioning),
        logging: settle.take("GetBucketLogging", &[], logging),
        object_lock: settle
            .take("GetObjectLockConfiguration", NO_OBJECT_LOCK, object_lock)
            .and_then(|o| o.object_lock_configuration),
        tags: settle.take("GetBucketTagging", NO_TAGS, tagging).map(|o| o.tag_set).unwrap_or_default(),
    };
    if settle.gone {
        return Described::Gone;
    }
    let mut failures = settle.failures.into_iter();
    if let Some(first) = failures.next() {
        return Described::Failed { first, more: failures.collect() };
    }
    let attributes = bucket_attributes(bucket, region, &parts, account_pab);
    let tags = convert::tags(parts.tags.iter().map(|t| (Some(t.key()), Some(t.value()))));
    match ctx.resource(BUCKET, format!("arn:aws:s3:::{name}"), region, name.to_string(), tags, attributes) {
        Ok(r) => Described::Bucket(Box::new(r)),
        Err(e) => Described::Failed { first: e, more: Vec::new() },
    }
}

/// The bucket's attributes, from its listing entry and the per-bucket call outputs.
fn bucket_attributes(bucket: &ListedBucket, region: &Region, parts: &BucketParts, account_pab: &Value) -> Value {
    json!({
        "Name": bucket.name,
        "Region": region.as_str(),
        "CreationDate": convert::time(bucket.creation_date.as_ref()),
        "Encryption": encryption_json(parts.encryption.as_ref()),
        "PublicAccessBlock": parts.public_access_block.as_ref().map(|c| public_access_block_json(
            c.block_public_acls(),
            c.ignore_public_acls(),
            c.block_public_policy(),
            c.restrict_public_buckets(),
        )).unwrap_or(Value::Null),
        "AccountPublicAccessBlock": account_pab,
        "Acl": parts.acl.as_ref().map(acl_json).unwrap_or(Value::Null),
        "Policy": parts.policy.as_deref().map(convert::policy_document).unwrap_or(Value::Null),
        "PolicyStatus": parts.policy_status.as_ref().map(|s| json!({ "IsPublic": s.is_public() })).unwrap_or(Value::Null),
        "Versioning": versioning_json(parts.versioning.as_ref()),
        "Logging": logging_json(parts.logging.as_ref()),
        "ObjectLock": object_lock_json(parts.object_lock.as_ref()),
    })
}

/// An SDK enum's wire value, with an empty element read as absent.
fn enum_str(s: Option<&str>) -> Value {
    convert::opt_str(s.filter(|s| !s.is_empty()))
}

fn encryption_json(config: Option<&ServerSideEncryptionConfiguration>) -> Value {
    let Some(config) = config else { return Value::Null };
    let rules: Vec<Value> = config
        .rules()
        .iter()
        .map(|rule| {
            json!({
                "ApplyServerSideEncryptionByDefault": rule.apply_server_side_encryption_by_default().map(|d| json!({
                    "SSEAlgorithm": enum_str(Some(d.sse_algorithm().as_str())),
                    "KMSMasterKeyID": convert::opt_str(d.kms_master_key_id()),
                })).unwrap_or(Value::Null),
                "BucketKeyEnabled": rule.bucket_key_enabled(),
            })
        })
        .collect();
    json!({ "Rules": rules })
}

/// The four public-access-block switches; S3 and S3 Control share this shape.
fn public_access_block_json(
    block_public_acls: Option<bool>,
    ignore_public_acls: Option<bool>,
    block_public_policy: Option<bool>,
    restrict_public_buckets: Option<bool>,
) -> Value {
    json!({
        "BlockPublicAcls": block_public_acls,
        "IgnorePublicAcls": ignore_public_acls,
        "BlockPublicPolicy": block_public_policy,
        "RestrictPublicBuckets": restrict_public_buckets,
    })
}

fn acl_json(acl: &GetBucketAclOutput) -> Value {
    let grants: Vec<Value> = acl
        .grants()
        .iter()
        .map(|g| {
            json!({
                "Grantee": g.grantee().map(|e| json!({
                    "Type": enum_str(Some(e.r#type().as_str())),
                    "ID": convert::opt_str(e.id()),
                    "URI": convert::opt_str(e.uri()),
                    "DisplayName": convert::opt_str(e.display_name()),
                    "EmailAddress": convert::opt_str(e.email_address()),
                })).unwrap_or(Value::Null),
                "Permission": enum_str(g.permission().map(|p| p.as_str())),
            })
        })
        .collect();
    json!({
        "Owner": acl.owner().map(|o| json!({
            "ID": convert::opt_str(o.id()),
            "DisplayName": convert::opt_str(o.display_name()),
        })).unwrap_or(Value::Null),
        "Grants": grants,
    })
}

fn versioning_json(versioning: Option<&GetBucketVersioningOutput>) -> Value {
    json!({
        "Status": enum_str(versioning.and_then(|v| v.status()).map(|s| s.as_str())),
        "MFADelete": enum_str(versioning.and_then(|v| v.mfa_delete()).map(|s| s.as_str())),
    })
}

fn logging_json(logging: Option<&GetBucketLoggingOutput>) -> Value {
    match logging.and_then(|l| l.logging_enabled()) {
        Some(l) => json!({ "TargetBucket": l.target_bucket(), "TargetPrefix": l.target_prefix() }),
        None => Value::Null,
    }
}

fn object_lock_json(config: Option<&ObjectLockConfiguration>) -> Value {
    let Some(config) = config else { return Value::Null };
    json!({
        "ObjectLockEnabled": enum_str(config.object_lock_enabled().map(|e| e.as_str())),
        "Rule": config.rule().map(|r| json!({
            "DefaultRetention": r.default_retention().map(|d| json!({
                "Mode": enum_str(d.mode().map(|m| m.as_str())),
                "Days": d.days(),
                "Years": d.years(),
            })).unwrap_or(Value::Null),
        })).unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::types::{
        BucketVersioningStatus, DefaultRetention, Grant, Grantee, LoggingEnabled, ObjectLockEnabled,
        ObjectLockRetentionMode, ObjectLockRule, Owner, Permission, ServerSideEncryption,
        ServerSideEncryptionByDefault, ServerSideEncryptionRule, Type,
    };

    fn listed() -> ListedBucket {
        ListedBucket { name: "b".into(), creation_date: Some(DateTime::from_secs(0)), region: None }
    }

    fn check(parts: BucketParts, account_pab: Value, expected: Value) {
        let region = Region::new("eu-west-1").unwrap();
        assert_eq!(bucket_attributes(&listed(), &region, &parts, &account_pab), expected);
    }

    #[test]
    fn a_bucket_with_nothing_configured_has_nulls() {
        check(
            BucketParts {
                acl: Some(GetBucketAclOutput::builder().build()),
                versioning: Some(GetBucketVersioningOutput::builder().build()),
                logging: Some(GetBucketLoggingOutput::builder().build()),
                ..BucketParts::default()
            },
            Value::Null,
            json!({
                "Name": "b", "Region": "eu-west-1", "CreationDate": "1970-01-01T00:00:00Z",
                "Encryption": null, "PublicAccessBlock": null, "AccountPublicAccessBlock": null,
                "Acl": {"Owner": null, "Grants": []}, "Policy": null, "PolicyStatus": null,
                "Versioning": {"Status": null, "MFADelete": null}, "Logging": null, "ObjectLock": null,
            }),
        );
    }

    #[test]
    fn a_configured_bucket_keeps_the_api_shapes() {
        let sse = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::AwsKms)
                            .kms_master_key_id("key-1")
                            .build()
                            .unwrap(),
                    )
                    .bucket_key_enabled(true)
                    .build(),
            )
            .build()
            .unwrap();
        let acl = GetBucketAclOutput::builder()
            .owner(Owner::builder().id("o1").display_name("me").build())
            .grants(
                Grant::builder()
                    .grantee(
                        Grantee::builder()
                            .r#type(Type::Group)
                            .uri("http://acs.amazonaws.com/groups/global/AllUsers")
                            .build()
                            .unwrap(),
                    )
                    .permission(Permission::Read)
                    .build(),
            )
            .build();
        let lock = ObjectLockConfiguration::builder()
            .object_lock_enabled(ObjectLockEnabled::Enabled)
            .rule(
                ObjectLockRule::builder()
                    .default_retention(
                        DefaultRetention::builder().mode(ObjectLockRetentionMode::Governance).days(7).build(),
                    )
                    .build(),
            )
            .build();
        let parts = BucketParts {
            encryption: Some(sse),
            public_access_block: Some(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(false)
                    .restrict_public_buckets(false)
                    .build(),
            ),
            acl: Some(acl),
            policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
            policy_status: Some(PolicyStatus::builder().is_public(false).build()),
            versioning: Some(GetBucketVersioningOutput::builder().status(BucketVersioningStatus::Enabled).build()),
            logging: Some(
                GetBucketLoggingOutput::builder()
                    .logging_enabled(
                        LoggingEnabled::builder().target_bucket("logs").target_prefix("b/").build().unwrap(),
                    )
                    .build(),
            ),
            object_lock: Some(lock),
            tags: vec![],
        };
        let account = public_access_block_json(Some(true), Some(true), Some(true), Some(true));
        check(
            parts,
            account.clone(),
            json!({
                "Name": "b", "Region": "eu-west-1", "CreationDate": "1970-01-01T00:00:00Z",
                "Encryption": {"Rules": [{
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "key-1"},
                    "BucketKeyEnabled": true,
                }]},
                "PublicAccessBlock": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": false},
                "AccountPublicAccessBlock": account,
                "Acl": {
                    "Owner": {"ID": "o1", "DisplayName": "me"},
                    "Grants": [{
                        "Grantee": {"Type": "Group", "ID": null, "URI": "http://acs.amazonaws.com/groups/global/AllUsers", "DisplayName": null, "EmailAddress": null},
                        "Permission": "READ",
                    }],
                },
                "Policy": {"Version": "2012-10-17", "Statement": []},
                "PolicyStatus": {"IsPublic": false},
                "Versioning": {"Status": "Enabled", "MFADelete": null},
                "Logging": {"TargetBucket": "logs", "TargetPrefix": "b/"},
                "ObjectLock": {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 7, "Years": null}}},
            }),
        );
    }

    #[test]
    fn object_lock_without_a_default_rule() {
        let lock = ObjectLockConfiguration::builder().object_lock_enabled(ObjectLockEnabled::Enabled).build();
        assert_eq!(object_lock_json(Some(&lock)), json!({"ObjectLockEnabled": "Enabled", "Rule": null}));
    }

    #[test]
    fn location_constraints_map_to_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("ap-south-1")), "ap-south-1");
    }

    #[test]
    fn bucket_names_come_from_arns() {
        assert_eq!(bucket_name_from_arn("arn:aws:s3:::my-bucket"), Some("my-bucket"));
        assert_eq!(bucket_name_from_arn("arn:aws-cn:s3:::b.c"), Some("b.c"));
        assert_eq!(bucket_name_from_arn("arn:aws:s3:::my-bucket/key"), None);
        assert_eq!(bucket_name_from_arn("arn:aws:iam::123456789012:role/x"), None);
    }

    async fn resolve(endpoint: Option<&str>) -> String {
        let params = S3ControlParams::builder()
            .region("us-east-1")
            .account_id("123456789012")
            .requires_account_id(true)
            .set_endpoint(endpoint.map(str::to_string))
            .build()
            .unwrap();
        KeepEndpointOverride::default().resolve_endpoint(&params).await.unwrap().url().to_string()
    }

    #[tokio::test]
    async fn s3control_keeps_an_endpoint_override_and_aws_rules_otherwise() {
        assert_eq!(resolve(Some("http://127.0.0.1:5000")).await, "http://127.0.0.1:5000");
        assert_eq!(resolve(None).await, "https://123456789012.s3-control.us-east-1.amazonaws.com");
    }
}
