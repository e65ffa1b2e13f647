//! KMS collector against the emulator: keys with and without rotation, an asymmetric key, an
//! alias and a key pending deletion, collected, fetched one by one, and the calls it made.

use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyUsageType, Tag};
use palisade_collect::aws::{ActionRecorder, AwsContext, AwsService, ContextOptions, CORE_CALLS};
use palisade_collect::{Collected, Emitter};
use palisade_model::{Region, Resource, ResourceId};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const REGION: &str = "us-east-1";

/// An SDK timestamp formatted as the collector formats it (RFC 3339).
fn time(dt: Option<&aws_smithy_types::DateTime>) -> Value {
    dt.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()).map(Value::String).unwrap_or(Value::Null)
}

async fn create_key(
    acct: &TestAccount,
    description: &str,
    spec: KeySpec,
    usage: KeyUsageType,
    tags: &[(&str, &str)],
) -> KeyMetadata {
    let mut req =
        acct.kms(REGION).create_key().description(description).key_spec(spec).key_usage(usage).multi_region(false);
    for (k, v) in tags {
        req = req.tags(Tag::builder().tag_key(*k).tag_value(*v).build().expect("tag"));
    }
    req.send().await.expect("create key").key_metadata.expect("key metadata")
}

/// Runs the KMS collector with an action recorder, so the test can check the calls it made.
async fn collect(acct: &TestAccount, region: &str) -> (Vec<Resource>, usize, ActionRecorder) {
    let recorder = ActionRecorder::new();
    let opts = ContextOptions {
        source: "test".into(),
        label: "Test".into(),
        recorder: Some(recorder.clone()),
        ..ContextOptions::default()
    };
    let ctx = AwsContext::new(acct.sdk.clone(), opts).await.expect("context");
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let emitter = Emitter::new(tx);
    let drain = tokio::spawn(async move {
        let mut resources = Vec::new();
        while let Some(item) = rx.recv().await {
            match item {
                Collected::Resource(r) => resources.push(*r),
                Collected::Error(e) => panic!("unexpected scan error: {e:?}"),
            }
        }
        resources
    });
    let region = Region::new(region).expect("region");
    AwsService::Kms.collect(&ctx, &region, &emitter).await.expect("collect kms");
    let errors = emitter.error_count();
    drop(emitter);
    (drain.await.expect("drain"), errors, recorder)
}

fn by_id<'a>(resources: &'a [Resource], arn: &str) -> &'a Resource {
    resources.iter().find(|r| r.id.as_str() == arn).unwrap_or_else(|| panic!("key {arn} was not collected"))
}

/// The attributes every planted key shares; `overrides` sets the rest.
fn expected(m: &KeyMetadata, overrides: Value) -> Value {
    let mut v = json!({
        "KeyId": m.key_id(),
        "Arn": m.arn(),
        "KeyManager": "CUSTOMER",
        "KeyState": "Enabled",
        "Enabled": true,
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
        "Description": m.description(),
        "CreationDate": time(m.creation_date()),
        "DeletionDate": null,
        "MultiRegion": false,
        "KeyRotationEnabled": null,
        "RotationPeriodInDays": null,
        "Aliases": [],
    });
    for (k, val) in overrides.as_object().expect("overrides object") {
        v[k] = val.clone();
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_carry_rotation_aliases_and_deletion_state() {
    let acct = TestAccount::new().await;
    let kms = acct.kms(REGION);
    let sym = || (KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt);

    let (s, u) = sym();
    let rotated = create_key(&acct, "rotated", s, u, &[("team", "security")]).await;
    kms.enable_key_rotation().key_id(rotated.key_id()).send().await.expect("enable rotation");
    kms.create_alias()
        .alias_name("alias/palisade-rotated")
        .target_key_id(rotated.key_id())
        .send()
        .await
        .expect("alias");
    let (s, u) = sym();
    let unrotated = create_key(&acct, "unrotated", s, u, &[]).await;
    let signing = create_key(&acct, "signing", KeySpec::Rsa2048, KeyUsageType::SignVerify, &[]).await;
    let (s, u) = sym();
    let doomed = create_key(&acct, "doomed", s, u, &[]).await;
    let deletion = kms
        .schedule_key_deletion()
        .key_id(doomed.key_id())
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule deletion");

    let (resources, errors, recorder) = collect(&acct, REGION).await;
    assert_eq!(errors, 0);
    assert_eq!(resources.len(), 4, "{resources:#?}");
    for r in &resources {
        assert_eq!(r.resource_type, "AWS.KMS.Key");
        assert_eq!(r.account_id.as_str(), acct.account_id);
        assert_eq!(r.label, "Test");
        assert_eq!(r.region.as_str(), REGION);
    }

    // Compliant: customer key with rotation on, named by its alias and carrying its tags.
    // moto returns no RotationPeriodInDays (AWS would say 365), so it stays null.
    let r = by_id(&resources, rotated.arn().expect("arn"));
    assert_eq!(r.name, "alias/palisade-rotated");
    assert_eq!(r.tags, BTreeMap::from([("team".to_string(), "security".to_string())]));
    assert_eq!(
        r.attributes,
        expected(&rotated, json!({"KeyRotationEnabled": true, "Aliases": ["alias/palisade-rotated"]}))
    );

    // Non-compliant: rotation off; no alias, so the key id is the name.
    let r = by_id(&resources, unrotated.arn().expect("arn"));
    assert_eq!(r.name, unrotated.key_id());
    assert!(r.tags.is_empty());
    assert_eq!(r.attributes, expected(&unrotated, json!({"KeyRotationEnabled": false})));

    // Rotation does not apply to asymmetric keys: null, not false.
    let r = by_id(&resources, signing.arn().expect("arn"));
    assert_eq!(r.attributes, expected(&signing, json!({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})));

    // Pending deletion: disabled, dated, and rotation not asked for.
    let r = by_id(&resources, doomed.arn().expect("arn"));
    assert_eq!(
        r.attributes,
        expected(
            &doomed,
            json!({"KeyState": "PendingDeletion", "Enabled": false, "DeletionDate": time(deletion.deletion_date())})
        )
    );

    // Every call made is declared (so the generated read-only policy covers it; context creation
    // itself calls STS, a core call), and the rotation and tag calls were made at all.
    let declared: Vec<(String, String)> = AwsService::Kms
        .spec()
        .calls
        .iter()
        .chain(CORE_CALLS)
        .map(|c| (c.sdk_service.to_string(), c.operation.to_string()))
        .collect();
    let made = recorder.calls();
    for c in &made {
        assert!(declared.contains(c), "undeclared call {c:?}");
    }
    for op in ["ListKeys", "ListAliases", "DescribeKey", "GetKeyRotationStatus", "ListResourceTags"] {
        assert!(made.contains(&("KMS".to_string(), op.to_string())), "{op} was not called");
    }

    // Keys are regional: another region of the same account has none.
    let (elsewhere, errors, _) = collect(&acct, "eu-west-1").await;
    assert_eq!((elsewhere.len(), errors), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_returns_one_key_or_none() {
    let acct = TestAccount::new().await;
    let kms = acct.kms(REGION);
    let key =
        create_key(&acct, "fetched", KeySpec::SymmetricDefault, KeyUsageType::EncryptDecrypt, &[("app", "web")]).await;
    kms.enable_key_rotation().key_id(key.key_id()).send().await.expect("enable rotation");
    kms.create_alias().alias_name("alias/palisade-b").target_key_id(key.key_id()).send().await.expect("alias b");
    kms.create_alias().alias_name("alias/palisade-a").target_key_id(key.key_id()).send().await.expect("alias a");

    let (resources, _, _) = collect(&acct, REGION).await;
    let collected = by_id(&resources, key.arn().expect("arn"));
    // Aliases are sorted, and the first one names the key.
    assert_eq!(collected.name, "alias/palisade-a");

    let ctx = acct.context(&[REGION]).await;
    let fetched = AwsService::Kms.fetch(&ctx, &collected.reference()).await.expect("fetch").expect("key exists");
    assert_eq!(fetched.reference(), collected.reference());
    assert_eq!(fetched.name, collected.name);
    assert_eq!(fetched.tags, collected.tags);
    assert_eq!(fetched.label, "Test");
    assert_eq!(fetched.account_id.as_str(), acct.account_id);
    assert_eq!(
        fetched.attributes,
        expected(&key, json!({"KeyRotationEnabled": true, "Aliases": ["alias/palisade-a", "alias/palisade-b"]}))
    );

    let mut missing = collected.reference();
    missing.id =
        ResourceId::new(format!("arn:aws:kms:{REGION}:{}:key/00000000-1111-2222-3333-444444444444", acct.account_id))
            .expect("resource id");
    assert!(AwsService::Kms.fetch(&ctx, &missing).await.expect("fetch missing").is_none());
}
