//! RDS collector: every DB instance in a region, with its encryption, public accessibility,
//! minor-version upgrade, backup and network settings, as `AWS.RDS.DBInstance`.

use super::actions::call;
use super::convert;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_rds::types::DbInstance;
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};

const SERVICE: &str = "rds";
const DB_INSTANCE: &str = "AWS.RDS.DBInstance";
/// DescribeDBInstances' answer when the named instance does not exist.
const NOT_FOUND: &str = "DBInstanceNotFound";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "rds",
    scope: Scope::Regional,
    resource_types: &[DB_INSTANCE],
    calls: &[call("RDS", "DescribeDBInstances", "rds:DescribeDBInstances")],
};

/// Lists every DB instance in `region`. DescribeDBInstances returns everything the attributes
/// need (tags included), so there are no per-instance calls.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.rds(region);
    let mut stream = client.describe_db_instances().into_paginator().items().send();
    while let Some(db) = stream.next().await {
        let db = db.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeDBInstances", e))?;
        if let Some(resource) = describe(ctx, region, &db)? {
            out.resource(resource).await?;
        }
    }
    Ok(())
}

/// Fetches one instance by its ARN (`arn:aws:rds:{region}:{account}:db:{identifier}`).
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    let identifier = identifier_from_arn(reference.id.as_str());
    let answer = ctx.rds(region).describe_db_instances().db_instance_identifier(identifier).send().await;
    let instances = match answer {
        Ok(out) => out.db_instances.unwrap_or_default(),
        Err(e) if error_code(&e) == Some(NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "DescribeDBInstances", e)),
    };
    match instances.iter().find(|db| db.db_instance_arn() == Some(reference.id.as_str())) {
        Some(db) => describe(ctx, region, db),
        None => Ok(None),
    }
}

/// The resource for one instance, shared by `collect` and `fetch`. An entry without an ARN
/// cannot be identified and is skipped (the API always returns one).
fn describe(ctx: &AwsContext, region: &Region, db: &DbInstance) -> Result<Option<Resource>, CollectError> {
    let Some(arn) = db.db_instance_arn() else { return Ok(None) };
    let name = db.db_instance_identifier().unwrap_or(arn).to_string();
    let tags = convert::tags(db.tag_list().iter().map(|t| (t.key(), t.value())));
    ctx.resource(DB_INSTANCE, arn.to_string(), region, name, tags, instance_attributes(db)).map(Some)
}

/// The instance identifier: the ARN's last `:`-separated part (a bare identifier stays as is).
fn identifier_from_arn(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

// ---- pure: SDK shapes to attributes ----

/// The attributes of one instance, with the API's own names. Booleans stay as the API gives
/// them (null only if it ever omitted one); `VpcId` comes from the instance's subnet group.
fn instance_attributes(db: &DbInstance) -> Value {
    json!({
        "DBInstanceIdentifier": db.db_instance_identifier(),
        "DBInstanceArn": db.db_instance_arn(),
        "DBClusterIdentifier": db.db_cluster_identifier(),
        "Engine": db.engine(),
        "EngineVersion": db.engine_version(),
        "DBInstanceClass": db.db_instance_class(),
        "DBInstanceStatus": db.db_instance_status(),
        "InstanceCreateTime": convert::time(db.instance_create_time()),
        "StorageEncrypted": db.storage_encrypted(),
        "KmsKeyId": db.kms_key_id(),
        "PubliclyAccessible": db.publicly_accessible(),
        "AutoMinorVersionUpgrade": db.auto_minor_version_upgrade(),
        "MultiAZ": db.multi_az(),
        "BackupRetentionPeriod": db.backup_retention_period(),
        "DeletionProtection": db.deletion_protection(),
        "IAMDatabaseAuthenticationEnabled": db.iam_database_authentication_enabled(),
        "VpcId": db.db_subnet_group().and_then(|g| g.vpc_id()),
        "VpcSecurityGroups": db.vpc_security_groups().iter()
            .map(|g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()}))
            .collect::<Vec<_>>(),
        "Endpoint": db.endpoint().map(|e| json!({"Address": e.address(), "Port": e.port()})),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::types::{DbSubnetGroup, Endpoint, Tag, VpcSecurityGroupMembership};
    use aws_smithy_types::DateTime;

    const ARN: &str = "arn:aws:rds:us-east-1:111122223333:db:orders";

    fn check(db: &DbInstance, expected: Value) {
        assert_eq!(instance_attributes(db), expected);
    }

    #[test]
    fn encrypted_private_instance_in_a_vpc() {
        let db = DbInstance::builder()
            .db_instance_identifier("orders")
            .db_instance_arn(ARN)
            .engine("postgres")
            .engine_version("16.3")
            .db_instance_class("db.t3.micro")
            .db_instance_status("available")
            .instance_create_time(DateTime::from_secs(1_700_000_000))
            .storage_encrypted(true)
            .kms_key_id("arn:aws:kms:us-east-1:111122223333:key/k")
            .publicly_accessible(false)
            .auto_minor_version_upgrade(true)
            .multi_az(true)
            .backup_retention_period(7)
            .deletion_protection(true)
            .iam_database_authentication_enabled(true)
            .db_subnet_group(DbSubnetGroup::builder().db_subnet_group_name("private").vpc_id("vpc-1").build())
            .vpc_security_groups(
                VpcSecurityGroupMembership::builder().vpc_security_group_id("sg-1").status("active").build(),
            )
            .endpoint(Endpoint::builder().address("orders.x.rds.amazonaws.com").port(5432).build())
            .tag_list(Tag::builder().key("team").value("data").build())
            .build();
        check(
            &db,
            json!({
                "DBInstanceIdentifier": "orders", "DBInstanceArn": ARN, "DBClusterIdentifier": null,
                "Engine": "postgres", "EngineVersion": "16.3", "DBInstanceClass": "db.t3.micro",
                "DBInstanceStatus": "available", "InstanceCreateTime": "2023-11-14T22:13:20Z",
                "StorageEncrypted": true, "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/k",
                "PubliclyAccessible": false, "AutoMinorVersionUpgrade": true, "MultiAZ": true,
                "BackupRetentionPeriod": 7, "DeletionProtection": true, "IAMDatabaseAuthenticationEnabled": true,
                "VpcId": "vpc-1",
                "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1", "Status": "active"}],
                "Endpoint": {"Address": "orders.x.rds.amazonaws.com", "Port": 5432},
            }),
        );
    }

    #[test]
    fn unencrypted_public_instance_being_created_has_nulls_not_gaps() {
        // An instance still being created has no endpoint; no subnet group means no VPC id.
        let db = DbInstance::builder()
            .db_instance_identifier("legacy")
            .db_instance_arn("arn:aws:rds:us-east-1:111122223333:db:legacy")
            .engine("mysql")
            .db_instance_status("creating")
            .storage_encrypted(false)
            .publicly_accessible(true)
            .auto_minor_version_upgrade(false)
            .build();
        let attrs = instance_attributes(&db);
        assert_eq!(attrs["StorageEncrypted"], json!(false));
        assert_eq!(attrs["PubliclyAccessible"], json!(true));
        assert_eq!(attrs["AutoMinorVersionUpgrade"], json!(false));
        for key in ["KmsKeyId", "VpcId", "Endpoint", "EngineVersion", "MultiAZ", "InstanceCreateTime"] {
            assert_eq!(attrs[key], Value::Null, "{key}");
        }
        assert_eq!(attrs["VpcSecurityGroups"], json!([]));
        assert_eq!(attrs.as_object().map(|o| o.len()), Some(19));
    }

    #[test]
    fn identifier_is_the_arns_last_part() {
        assert_eq!(identifier_from_arn(ARN), "orders");
        assert_eq!(identifier_from_arn("orders"), "orders");
    }
}
