//! S3 collector against the emulator: buckets planted through the AWS SDK, collected, fetched.

use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLocationConstraint, BucketLoggingStatus, BucketVersioningStatus, CreateBucketConfiguration,
    LoggingEnabled, PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, VersioningConfiguration,
};
use aws_sdk_s3control::config::endpoint::{DefaultResolver, EndpointFuture, Params, ResolveEndpoint};
use palisade_collect::aws::{all_calls, ActionRecorder, AwsService};
use palisade_collect::{Collected, Emitter};
use palisade_model::Resource;
use palisade_testkit::TestAccount;
use serde_json::{json, Value};

/// A bucket name no other account in the emulator uses (bucket names are global).
fn name(acct: &TestAccount, suffix: &str) -> String {
    format!("p{}-{suffix}", acct.account_id)
}

/// Keeps the emulator URL as is: S3 Control's rules would otherwise prefix the account id to the
/// host (`{account}.127.0.0.1`), which does not resolve. Mirrors the collector's own resolver.
#[derive(Debug, Default)]
struct KeepEndpointOverride(DefaultResolver);

impl ResolveEndpoint for KeepEndpointOverride {
    fn resolve_endpoint<'a>(&'a self, params: &'a Params) -> EndpointFuture<'a> {
        EndpointFuture::new(async move {
            let resolved = self.0.resolve_endpoint(params).await?;
            Ok(match params.endpoint() {
                Some(url) => resolved.into_builder().url(url.to_string()).build(),
                None => resolved,
            })
        })
    }
}

fn s3control(acct: &TestAccount) -> aws_sdk_s3control::Client {
    let conf =
        aws_sdk_s3control::config::Builder::from(&acct.sdk).endpoint_resolver(KeepEndpointOverride::default()).build();
    aws_sdk_s3control::Client::from_conf(conf)
}

async fn create(acct: &TestAccount, bucket: &str) {
    acct.s3("us-east-1").create_bucket().bucket(bucket).send().await.expect("create bucket");
}

async fn encrypt(acct: &TestAccount, bucket: &str, algorithm: ServerSideEncryption, key: Option<&str>) {
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(algorithm)
        .set_kms_master_key_id(key.map(str::to_string));
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(default.build().expect("sse default"))
        .bucket_key_enabled(key.is_some())
        .build();
    let config = ServerSideEncryptionConfiguration::builder().rules(rule).build().expect("sse config");
    acct.s3("us-east-1")
        .put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(config)
        .send()
        .await
        .expect("put bucket encryption");
}

fn all_blocked() -> Value {
    json!({"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true})
}

fn by_name<'a>(resources: &'a [Resource], name: &str) -> &'a Resource {
    resources.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("bucket {name} was not collected"))
}

fn all_users_read() -> Value {
    json!({
        "Grantee": {"Type": "Group", "ID": null, "URI": "http://acs.amazonaws.com/groups/global/AllUsers", "DisplayName": null, "EmailAddress": null},
        "Permission": "READ",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_carry_their_configuration_and_the_account_block() {
    let acct = TestAccount::new().await;
    let s3 = acct.s3("us-east-1");
    let [plain, sse_s3, sse_kms, blocked, public, with_policy, versioned, logged, logs, locked, tagged, europe] = [
        "plain",
        "sse-s3",
        "sse-kms",
        "blocked",
        "public",
        "policy",
        "versioned",
        "logged",
        "logs",
        "locked",
        "tagged",
        "europe",
    ]
    .map(|s| name(&acct, s));

    for b in [&plain, &sse_s3, &sse_kms, &blocked, &with_policy, &versioned, &logged, &tagged] {
        create(&acct, b).await;
    }
    encrypt(&acct, &sse_s3, ServerSideEncryption::Aes256, None).await;
    let key = format!("arn:aws:kms:us-east-1:{}:key/1234abcd-12ab-34cd-56ef-1234567890ab", acct.account_id);
    encrypt(&acct, &sse_kms, ServerSideEncryption::AwsKms, Some(&key)).await;
    s3.put_public_access_block()
        .bucket(&blocked)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .expect("put public access block");
    s3.create_bucket().bucket(&public).acl(BucketCannedAcl::PublicRead).send().await.expect("create public bucket");
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{with_policy}/*")}],
    });
    s3.put_bucket_policy().bucket(&with_policy).policy(policy.to_string()).send().await.expect("put bucket policy");
    s3.put_bucket_versioning()
        .bucket(&versioned)
        .versioning_configuration(VersioningConfiguration::builder().status(BucketVersioningStatus::Enabled).build())
        .send()
        .await
        .expect("put bucket versioning");
    s3.create_bucket()
        .bucket(&logs)
        .acl(BucketCannedAcl::from("log-delivery-write"))
        .send()
        .await
        .expect("create log bucket");
    s3.put_bucket_logging()
        .bucket(&logged)
        .bucket_logging_status(
            BucketLoggingStatus::builder()
                .logging_enabled(
                    LoggingEnabled::builder().target_bucket(&logs).target_prefix("access/").build().expect("logging"),
                )
                .build(),
        )
        .send()
        .await
        .expect("put bucket logging");
    s3.create_bucket().bucket(&locked).object_lock_enabled_for_bucket(true).send().await.expect("create locked bucket");
    s3.put_bucket_tagging()
        .bucket(&tagged)
        .tagging(
            Tagging::builder()
                .tag_set(Tag::builder().key("env").value("prod").build().expect("tag"))
                .tag_set(Tag::builder().key("owner").value("team-a").build().expect("tag"))
                .build()
                .expect("tagging"),
        )
        .send()
        .await
        .expect("put bucket tagging");
    acct.s3("eu-west-1")
        .create_bucket()
        .bucket(&europe)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::EuWest1).build(),
        )
        .send()
        .await
        .expect("create eu-west-1 bucket");
    s3control(&acct)
        .put_public_access_block()
        .account_id(&acct.account_id)
        .public_access_block_configuration(
            aws_sdk_s3control::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .expect("put account public access block");

    let (resources, errors, result) = acct.collect(AwsService::S3, "us-east-1").await;
    assert_eq!(result, Ok(()));
    assert!(errors.is_empty(), "{errors:?}");
    let mut names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    let mut expected =
        vec![&plain, &sse_s3, &sse_kms, &blocked, &public, &with_policy, &versioned, &logged, &logs, &locked, &tagged];
    expected.sort_unstable();
    assert_eq!(names, expected, "only the us-east-1 buckets, the eu-west-1 one skipped");

    for r in &resources {
        assert_eq!(r.account_id.as_str(), acct.account_id);
        assert_eq!(r.label, "Test");
        assert_eq!(r.resource_type, "AWS.S3.Bucket");
        assert_eq!(r.id.as_str(), format!("arn:aws:s3:::{}", r.name));
        assert_eq!(r.region.as_str(), "us-east-1");
        let a = &r.attributes;
        assert_eq!(a["Name"], json!(r.name));
        assert_eq!(a["Region"], json!("us-east-1"));
        assert!(a["CreationDate"].as_str().is_some_and(|d| d.ends_with('Z')), "{}", a["CreationDate"]);
        assert_eq!(a["AccountPublicAccessBlock"], all_blocked(), "{}", r.name);
    }

    let a = &by_name(&resources, &plain).attributes;
    assert_eq!(a["Encryption"], Value::Null);
    assert_eq!(a["PublicAccessBlock"], Value::Null);
    assert_eq!(a["Policy"], Value::Null);
    assert_eq!(a["PolicyStatus"], Value::Null);
    assert_eq!(a["Versioning"], json!({"Status": null, "MFADelete": null}));
    assert_eq!(a["Logging"], Value::Null);
    assert_eq!(a["ObjectLock"], Value::Null);
    let grants = a["Acl"]["Grants"].as_array().expect("grants list");
    assert!(!grants.contains(&all_users_read()), "{grants:?}");
    assert!(a["Acl"]["Owner"]["ID"].is_string());
    assert!(by_name(&resources, &plain).tags.is_empty());

    assert_eq!(
        by_name(&resources, &sse_s3).attributes["Encryption"],
        json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": null}, "BucketKeyEnabled": false}]})
    );
    assert_eq!(
        by_name(&resources, &sse_kms).attributes["Encryption"],
        json!({"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}, "BucketKeyEnabled": true}]})
    );
    assert_eq!(by_name(&resources, &blocked).attributes["PublicAccessBlock"], all_blocked());

    let grants = by_name(&resources, &public).attributes["Acl"]["Grants"].as_array().expect("grants list").clone();
    assert!(grants.contains(&all_users_read()), "{grants:?}");

    let a = &by_name(&resources, &with_policy).attributes;
    assert_eq!(a["Policy"], policy, "the policy is parsed JSON, not a string");
    assert_eq!(a["PolicyStatus"], json!({"IsPublic": true}));

    assert_eq!(
        by_name(&resources, &versioned).attributes["Versioning"],
        json!({"Status": "Enabled", "MFADelete": null})
    );
    assert_eq!(
        by_name(&resources, &logged).attributes["Logging"],
        json!({"TargetBucket": logs, "TargetPrefix": "access/"})
    );
    assert_eq!(
        by_name(&resources, &locked).attributes["ObjectLock"],
        json!({"ObjectLockEnabled": "Enabled", "Rule": null})
    );
    let tags = &by_name(&resources, &tagged).tags;
    assert_eq!(tags.get("env").map(String::as_str), Some("prod"));
    assert_eq!(tags.get("owner").map(String::as_str), Some("team-a"));
    assert_eq!(tags.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_follow_the_scan_regions() {
    let acct = TestAccount::new().await;
    let (home, europe) = (name(&acct, "home"), name(&acct, "europe"));
    create(&acct, &home).await;
    acct.s3("eu-west-1")
        .create_bucket()
        .bucket(&europe)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::EuWest1).build(),
        )
        .send()
        .await
        .expect("create eu-west-1 bucket");

    let (resources, errors, result) = acct.collect(AwsService::S3, "us-east-1").await;
    assert_eq!(result, Ok(()));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(resources.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), vec![home.as_str()]);
    // No account-level block was set in this account.
    assert_eq!(resources[0].attributes["AccountPublicAccessBlock"], Value::Null);

    let (resources, errors, result) = acct.collect(AwsService::S3, "eu-west-1").await;
    assert_eq!(result, Ok(()));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(resources.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), vec![europe.as_str()]);
    let r = &resources[0];
    assert_eq!(r.region.as_str(), "eu-west-1");
    assert_eq!(r.attributes["Region"], json!("eu-west-1"));
    assert_eq!(r.account_id.as_str(), acct.account_id);
    assert_eq!(r.label, "Test");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_redescribes_one_bucket_and_none_once_deleted() {
    let acct = TestAccount::new().await;
    let (kept, europe, doomed) = (name(&acct, "kept"), name(&acct, "europe"), name(&acct, "doomed"));
    create(&acct, &kept).await;
    create(&acct, &doomed).await;
    encrypt(&acct, &kept, ServerSideEncryption::Aes256, None).await;
    acct.s3("eu-west-1")
        .create_bucket()
        .bucket(&europe)
        .create_bucket_configuration(
            CreateBucketConfiguration::builder().location_constraint(BucketLocationConstraint::EuWest1).build(),
        )
        .send()
        .await
        .expect("create eu-west-1 bucket");

    let (resources, errors, _) = acct.collect(AwsService::S3, "us-east-1").await;
    assert!(errors.is_empty(), "{errors:?}");
    let collected = by_name(&resources, &kept).clone();
    let doomed_ref = by_name(&resources, &doomed).reference();

    let ctx = acct.context(&["us-east-1"]).await;
    let fetched = AwsService::S3.fetch(&ctx, &collected.reference()).await.expect("fetch").expect("bucket exists");
    assert_eq!(fetched.id, collected.id);
    assert_eq!(fetched.region, collected.region);
    assert_eq!(fetched.attributes, collected.attributes);
    assert_eq!(fetched.account_id.as_str(), acct.account_id);
    assert_eq!(fetched.label, "Test");

    // Fetch goes by the bucket's own region, whatever regions the context covers.
    let mut europe_ref = collected.reference();
    europe_ref.id = palisade_model::ResourceId::new(format!("arn:aws:s3:::{europe}")).expect("id");
    let fetched = AwsService::S3.fetch(&ctx, &europe_ref).await.expect("fetch").expect("bucket exists");
    assert_eq!(fetched.region.as_str(), "eu-west-1");
    assert_eq!(fetched.attributes["Region"], json!("eu-west-1"));

    acct.s3("us-east-1").delete_bucket().bucket(&doomed).send().await.expect("delete bucket");
    assert_eq!(AwsService::S3.fetch(&ctx, &doomed_ref).await.expect("fetch deleted"), None);
    let mut missing = doomed_ref.clone();
    missing.id = palisade_model::ResourceId::new(format!("arn:aws:s3:::{}", name(&acct, "never"))).expect("id");
    assert_eq!(AwsService::S3.fetch(&ctx, &missing).await.expect("fetch missing"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_made_is_declared() {
    let acct = TestAccount::new().await;
    let bucket = name(&acct, "recorded");
    create(&acct, &bucket).await;

    let recorder = ActionRecorder::new();
    let ctx = acct.context_with(&["us-east-1"], Some(recorder.clone())).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let emitter = Emitter::new(tx);
    let drain = tokio::spawn(async move {
        let mut resources = Vec::new();
        while let Some(item) = rx.recv().await {
            if let Collected::Resource(r) = item {
                resources.push(*r);
            }
        }
        resources
    });
    AwsService::S3.collect(&ctx, &TestAccount::region("us-east-1"), &emitter).await.expect("collect");
    assert_eq!(emitter.error_count(), 0);
    drop(emitter);
    let resources = drain.await.expect("drain");
    assert_eq!(resources.len(), 1);

    let declared: Vec<(String, String)> =
        all_calls().map(|c| (c.sdk_service.to_string(), c.operation.to_string())).collect();
    let recorded = recorder.calls();
    for c in &recorded {
        assert!(declared.contains(c), "{c:?} was called but not declared");
    }
    // And every declared call was made: the emulator's listing carries no BucketRegion, so even
    // GetBucketLocation runs; the account-level call goes through the recorded S3 Control client.
    for c in AwsService::S3.spec().calls {
        let key = (c.sdk_service.to_string(), c.operation.to_string());
        assert!(recorded.contains(&key), "{key:?} was declared but not called: {recorded:?}");
    }
}
