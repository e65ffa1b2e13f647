//! RDS collector against the emulator: an encrypted, private instance with auto minor version
//! upgrade in a VPC subnet group, and an unencrypted, public one without it; collected, fetched
//! by reference, and gone once deleted.

use aws_sdk_rds::types::{DbInstance, Tag};
use palisade_collect::aws::AwsService;
use palisade_model::{Resource, ResourceId};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const REGION: &str = "us-east-1";
const TYPE: &str = "AWS.RDS.DBInstance";

fn rds(acct: &TestAccount, region: &str) -> aws_sdk_rds::Client {
    let conf = aws_sdk_rds::config::Builder::from(&acct.sdk)
        .region(aws_types::region::Region::new(region.to_string()))
        .build();
    aws_sdk_rds::Client::from_conf(conf)
}

/// An SDK timestamp formatted as the collector formats it (RFC 3339).
fn time(dt: Option<&aws_smithy_types::DateTime>) -> Value {
    dt.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()).map(Value::String).unwrap_or(Value::Null)
}

/// Runs the collector and checks what every collection must satisfy.
async fn collect(acct: &TestAccount, region: &str) -> Vec<Resource> {
    let (resources, errors, result) = acct.collect(AwsService::Rds, region).await;
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

fn by_name<'a>(resources: &'a [Resource], name: &str) -> &'a Resource {
    resources.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("instance {name} was not collected"))
}

/// The emulator-chosen values (engine version, endpoint, security groups, creation time) come
/// from the instance as created; `settings` gives the ones the test chose.
fn expected(db: &DbInstance, settings: Value) -> Value {
    let mut v = json!({
        "DBInstanceIdentifier": db.db_instance_identifier(),
        "DBInstanceArn": db.db_instance_arn(),
        "DBClusterIdentifier": null,
        "Engine": db.engine(),
        "EngineVersion": db.engine_version(),
        "DBInstanceClass": "db.t3.micro",
        "DBInstanceStatus": "available",
        "InstanceCreateTime": time(db.instance_create_time()),
        "VpcSecurityGroups": db.vpc_security_groups().iter()
            .map(|g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()}))
            .collect::<Vec<_>>(),
        "Endpoint": db.endpoint().map(|e| json!({"Address": e.address(), "Port": e.port()})),
    });
    for (k, val) in settings.as_object().expect("settings object") {
        v[k] = val.clone();
    }
    v
}

/// A VPC with two subnets in different zones, grouped as an RDS subnet group.
async fn subnet_group(acct: &TestAccount, name: &str) -> String {
    let ec2 = acct.ec2(REGION);
    let vpc = ec2.create_vpc().cidr_block("10.20.0.0/16").send().await.expect("vpc");
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).expect("vpc id").to_string();
    let mut subnets = Vec::new();
    for (cidr, zone) in [("10.20.1.0/24", "us-east-1a"), ("10.20.2.0/24", "us-east-1b")] {
        let s = ec2.create_subnet().vpc_id(&vpc_id).cidr_block(cidr).availability_zone(zone).send().await;
        subnets.push(s.expect("subnet").subnet().and_then(|s| s.subnet_id()).expect("subnet id").to_string());
    }
    rds(acct, REGION)
        .create_db_subnet_group()
        .db_subnet_group_name(name)
        .db_subnet_group_description("private subnets")
        .set_subnet_ids(Some(subnets))
        .send()
        .await
        .expect("subnet group");
    vpc_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_carry_encryption_exposure_and_upgrade_settings() {
    let acct = TestAccount::new().await;
    let client = rds(&acct, REGION);
    let vpc_id = subnet_group(&acct, "private").await;
    let key = acct.kms(REGION).create_key().description("rds").send().await.expect("key");
    let key_arn = key.key_metadata().and_then(|m| m.arn()).expect("key arn").to_string();

    // Compliant: encrypted with a customer key, private, minor upgrades on.
    let secure = client
        .create_db_instance()
        .db_instance_identifier("orders")
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin_user")
        .master_user_password("not-a-real-secret-1")
        .db_subnet_group_name("private")
        .storage_encrypted(true)
        .kms_key_id(&key_arn)
        .publicly_accessible(false)
        .auto_minor_version_upgrade(true)
        .multi_az(true)
        .backup_retention_period(7)
        .deletion_protection(true)
        .enable_iam_database_authentication(true)
        .tags(Tag::builder().key("team").value("data").build())
        .send()
        .await
        .expect("create encrypted instance")
        .db_instance
        .expect("instance");

    // Non-compliant on all three CIS checks: unencrypted, public, minor upgrades off.
    let exposed = client
        .create_db_instance()
        .db_instance_identifier("legacy")
        .engine("mysql")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("admin_user")
        .master_user_password("not-a-real-secret-2")
        .storage_encrypted(false)
        .publicly_accessible(true)
        .auto_minor_version_upgrade(false)
        .send()
        .await
        .expect("create unencrypted instance")
        .db_instance
        .expect("instance");

    let resources = collect(&acct, REGION).await;
    assert_eq!(resources.len(), 2, "{resources:#?}");

    let r = by_name(&resources, "orders");
    assert_eq!(r.id.as_str(), format!("arn:aws:rds:{REGION}:{}:db:orders", acct.account_id));
    assert_eq!(r.tags, BTreeMap::from([("team".to_string(), "data".to_string())]));
    assert_eq!(
        r.attributes,
        expected(
            &secure,
            json!({
                "StorageEncrypted": true, "KmsKeyId": key_arn, "PubliclyAccessible": false,
                "AutoMinorVersionUpgrade": true, "MultiAZ": true, "BackupRetentionPeriod": 7,
                "DeletionProtection": true, "IAMDatabaseAuthenticationEnabled": true, "VpcId": vpc_id,
            })
        )
    );

    // No subnet group: no VPC id. No key: KmsKeyId null.
    let r = by_name(&resources, "legacy");
    assert!(r.tags.is_empty());
    assert_eq!(
        r.attributes,
        expected(
            &exposed,
            json!({
                "StorageEncrypted": false, "KmsKeyId": null, "PubliclyAccessible": true,
                "AutoMinorVersionUpgrade": false, "MultiAZ": false, "BackupRetentionPeriod": exposed.backup_retention_period(),
                "DeletionProtection": false, "IAMDatabaseAuthenticationEnabled": false, "VpcId": null,
            })
        )
    );

    // Instances are regional: another region of the same account has none.
    assert!(collect(&acct, "eu-west-1").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_returns_one_instance_or_none() {
    let acct = TestAccount::new().await;
    let client = rds(&acct, REGION);
    for name in ["kept", "dropped"] {
        client
            .create_db_instance()
            .db_instance_identifier(name)
            .engine("postgres")
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("admin_user")
            .master_user_password("not-a-real-secret-3")
            .send()
            .await
            .expect("create instance");
    }
    let resources = collect(&acct, REGION).await;
    let ctx = acct.context(&[REGION]).await;
    for name in ["kept", "dropped"] {
        let collected = by_name(&resources, name);
        let fetched = AwsService::Rds.fetch(&ctx, &collected.reference()).await.expect("fetch").expect("exists");
        assert_eq!(fetched.reference(), collected.reference());
        assert_eq!((&fetched.name, &fetched.label), (&collected.name, &collected.label));
        assert_eq!(fetched.account_id.as_str(), acct.account_id);
        assert_eq!(fetched.attributes, collected.attributes);
    }

    let dropped = by_name(&resources, "dropped").reference();
    client
        .delete_db_instance()
        .db_instance_identifier("dropped")
        .skip_final_snapshot(true)
        .send()
        .await
        .expect("delete instance");
    assert!(AwsService::Rds.fetch(&ctx, &dropped).await.expect("fetch deleted").is_none());

    let mut never = dropped.clone();
    never.id = ResourceId::new(format!("arn:aws:rds:{REGION}:{}:db:never-created", acct.account_id)).expect("id");
    assert!(AwsService::Rds.fetch(&ctx, &never).await.expect("fetch missing").is_none());
}
