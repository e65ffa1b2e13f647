//! EFS collector against the emulator: an encrypted, named file system and an unencrypted,
//! unnamed one; collected, fetched by reference, and gone once deleted.

use aws_sdk_efs::operation::create_file_system::CreateFileSystemOutput;
use aws_sdk_efs::types::Tag;
use palisade_collect::aws::AwsService;
use palisade_model::{Resource, ResourceId};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const REGION: &str = "us-east-1";
const TYPE: &str = "AWS.EFS.FileSystem";

fn efs(acct: &TestAccount, region: &str) -> aws_sdk_efs::Client {
    let conf = aws_sdk_efs::config::Builder::from(&acct.sdk)
        .region(aws_types::region::Region::new(region.to_string()))
        .build();
    aws_sdk_efs::Client::from_conf(conf)
}

fn time(dt: &aws_smithy_types::DateTime) -> Value {
    dt.fmt(aws_smithy_types::date_time::Format::DateTime).map(Value::String).unwrap_or(Value::Null)
}

async fn collect(acct: &TestAccount, region: &str) -> Vec<Resource> {
    let (resources, errors, result) = acct.collect(AwsService::Efs, region).await;
    assert_eq!(result, Ok(()));
    assert!(errors.is_empty(), "{errors:?}");
    for r in &resources {
        assert_eq!(r.resource_type, TYPE);
        assert_eq!(r.account_id.as_str(), acct.account_id, "{}", r.id);
        assert_eq!(r.label, "Test", "{}", r.id);
        assert_eq!(r.region.as_str(), region, "{}", r.id);
    }
    resources
}

fn by_id<'a>(resources: &'a [Resource], arn: &str) -> &'a Resource {
    resources.iter().find(|r| r.id.as_str() == arn).unwrap_or_else(|| panic!("{arn} was not collected"))
}

fn expected(fs: &CreateFileSystemOutput, encrypted: bool, kms_key_id: Option<&str>) -> Value {
    json!({
        "FileSystemId": fs.file_system_id(),
        "FileSystemArn": fs.file_system_arn(),
        "Encrypted": encrypted,
        "KmsKeyId": kms_key_id,
        "LifeCycleState": "available",
        "PerformanceMode": "generalPurpose",
        "ThroughputMode": "bursting",
        "NumberOfMountTargets": 0,
        "CreationTime": time(fs.creation_time()),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_systems_carry_their_encryption() {
    let acct = TestAccount::new().await;
    let client = efs(&acct, REGION);
    let key = acct.kms(REGION).create_key().description("efs").send().await.expect("key");
    let key_arn = key.key_metadata().and_then(|m| m.arn()).expect("key arn").to_string();

    // Compliant: encrypted with a customer key, named by its Name tag.
    let encrypted = client
        .create_file_system()
        .creation_token("palisade-encrypted")
        .encrypted(true)
        .kms_key_id(&key_arn)
        .tags(Tag::builder().key("Name").value("shared-data").build().expect("tag"))
        .tags(Tag::builder().key("team").value("platform").build().expect("tag"))
        .send()
        .await
        .expect("create encrypted file system");
    // Non-compliant: not encrypted at rest; no Name tag, so its id names it.
    let plain = client
        .create_file_system()
        .creation_token("palisade-plain")
        .encrypted(false)
        .send()
        .await
        .expect("create unencrypted file system");

    let resources = collect(&acct, REGION).await;
    assert_eq!(resources.len(), 2, "{resources:#?}");

    let arn = encrypted.file_system_arn().expect("arn");
    assert_eq!(
        arn,
        format!("arn:aws:elasticfilesystem:{REGION}:{}:file-system/{}", acct.account_id, encrypted.file_system_id())
    );
    let r = by_id(&resources, arn);
    assert_eq!(r.name, "shared-data");
    assert_eq!(
        r.tags,
        BTreeMap::from([("Name".to_string(), "shared-data".to_string()), ("team".to_string(), "platform".to_string())])
    );
    assert_eq!(r.attributes, expected(&encrypted, true, Some(&key_arn)));

    let r = by_id(&resources, plain.file_system_arn().expect("arn"));
    assert_eq!(r.name, plain.file_system_id());
    assert!(r.tags.is_empty());
    assert_eq!(r.attributes, expected(&plain, false, None));

    assert!(collect(&acct, "eu-west-1").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_returns_one_file_system_or_none() {
    let acct = TestAccount::new().await;
    let client = efs(&acct, REGION);
    let kept = client.create_file_system().creation_token("kept").encrypted(true).send().await.expect("kept");
    let dropped = client.create_file_system().creation_token("dropped").send().await.expect("dropped");
    let resources = collect(&acct, REGION).await;
    let ctx = acct.context(&[REGION]).await;

    let collected = by_id(&resources, kept.file_system_arn().expect("arn"));
    let fetched = AwsService::Efs.fetch(&ctx, &collected.reference()).await.expect("fetch").expect("exists");
    assert_eq!(fetched.reference(), collected.reference());
    assert_eq!((&fetched.name, &fetched.label), (&collected.name, &collected.label));
    assert_eq!(fetched.account_id.as_str(), acct.account_id);
    assert_eq!(fetched.attributes, collected.attributes);

    let gone = by_id(&resources, dropped.file_system_arn().expect("arn")).reference();
    client.delete_file_system().file_system_id(dropped.file_system_id()).send().await.expect("delete");
    assert!(AwsService::Efs.fetch(&ctx, &gone).await.expect("fetch deleted").is_none());

    let mut never = gone.clone();
    never.id = ResourceId::new(format!(
        "arn:aws:elasticfilesystem:{REGION}:{}:file-system/fs-00000000000000000",
        acct.account_id
    ))
    .expect("id");
    assert!(AwsService::Efs.fetch(&ctx, &never).await.expect("fetch missing").is_none());
}
