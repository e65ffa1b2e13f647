//! Each remediation action against the emulator: the failing finding is fixed through the
//! remediation role, the resource's real state (read back through the API with the test's own
//! clients) changed as intended and nothing more, the rescan resolved the finding, and applying
//! the action again changes nothing.

mod common;

use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range};
use common::*;
use palisade_collect::aws::AwsService;
use palisade_model::FindingStatus;
use palisade_policy::Params;
use palisade_remediate::{Action, Mode, OutcomeStatus, WriteContext, REMEDIATION_ROLE_NAME};
use serde_json::json;

/// Applies the action once more, directly, on the resource as stored: it must change nothing.
async fn apply_again(fx: &Fixture, action: Action, resource_suffix: &str, params: &Params) {
    let ctx =
        WriteContext::for_source(&fx.connector, &fx.source, REMEDIATION_ROLE_NAME, None).await.expect("write ctx");
    let store = fx.store();
    let resource = store
        .findings(&Default::default())
        .unwrap()
        .into_iter()
        .find(|f| f.resource_id.as_str().ends_with(resource_suffix))
        .and_then(|f| store.resource(f.resource_id.as_str()).unwrap())
        .expect("stored resource");
    let effect = action.apply(&ctx, &resource, params).await.expect("second apply");
    assert!(!effect.changed(), "{} changed something the second time: {:?}", action.id(), effect.changes);
    assert_eq!(effect.before, effect.after, "{}: state moved on the second run", action.id());
}

/// Applies remediation for `policy` and checks its outcome: applied and verified by the rescan.
async fn fix(fx: &Fixture, policy: &str, suffix: &str, params: Params) {
    assert_eq!(fx.status(policy, suffix), FindingStatus::Fail, "{policy} fails before the fix");
    let outcomes = fx.run(Mode::Apply, Some(policy), params).await;
    let o = outcome_of(&outcomes, policy, suffix);
    assert_eq!(o.status, OutcomeStatus::Applied, "{o:#?}");
    assert_eq!(o.verified, Some(true), "{o:#?}");
    assert_eq!(fx.status(policy, suffix), FindingStatus::Pass, "{policy} resolved in the store");
    let again = fx.run(Mode::Apply, Some(policy), Params::new()).await;
    assert!(again.iter().all(|o| !o.resource_id.ends_with(suffix)), "a resolved finding is not selected: {again:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_block_public_access_and_default_encryption() {
    let fx = Fixture::new(true).await;
    let bucket = format!("rem-{}", fx.acct.account_id);
    let s3 = fx.acct.s3(REGION);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    // AWS gives new buckets SSE-S3 by default; the emulator does not, which leaves one to fix.
    fx.scan(&[AwsService::S3]).await;

    fix(&fx, "AWS.S3.Bucket.BlockPublicAccess", &bucket, Params::new()).await;
    let pab = s3.get_public_access_block().bucket(&bucket).send().await.unwrap();
    let c = pab.public_access_block_configuration().unwrap();
    assert_eq!(
        (c.block_public_acls(), c.ignore_public_acls(), c.block_public_policy(), c.restrict_public_buckets()),
        (Some(true), Some(true), Some(true), Some(true))
    );
    apply_again(&fx, Action::S3BlockPublicAccess, &bucket, &Params::new()).await;

    let key = fx.acct.kms(REGION).create_key().description("bucket key").send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    let params: Params = [("s3_encryption_kms_key_id".to_string(), json!(key_arn))].into_iter().collect();
    fix(&fx, "AWS.S3.Bucket.Encryption", &bucket, params.clone()).await;
    let enc = s3.get_bucket_encryption().bucket(&bucket).send().await.unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    let by_default = rule.apply_server_side_encryption_by_default().unwrap();
    assert_eq!(by_default.sse_algorithm().as_str(), "aws:kms");
    assert_eq!(by_default.kms_master_key_id(), Some(key_arn.as_str()));
    apply_again(&fx, Action::S3DefaultEncryption, &bucket, &params).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_group_admin_ports_close_and_everything_else_stays() {
    let fx = Fixture::new(true).await;
    let ec2 = fx.acct.ec2(REGION);
    let vpc = ec2.create_vpc().cidr_block("10.7.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let sg = ec2
        .create_security_group()
        .group_name("admin")
        .description("admin")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let world4 = |from: i32, to: i32, proto: &str| {
        IpPermission::builder()
            .ip_protocol(proto)
            .from_port(from)
            .to_port(to)
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").description("world").build())
            .build()
    };
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(world4(22, 22, "tcp"))
        .ip_permissions(world4(443, 443, "tcp"))
        .ip_permissions(world4(1000, 4000, "tcp"))
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(3389)
                .to_port(3389)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    fx.scan(&[AwsService::Ec2]).await;
    let policies = [
        "AWS.EC2.SecurityGroup.SSHOpenToWorld",
        "AWS.EC2.SecurityGroup.AdminPortsOpenToIPv4World",
        "AWS.EC2.SecurityGroup.AdminPortsOpenToIPv6World",
    ];
    for p in policies {
        assert_eq!(fx.status(p, &sg), FindingStatus::Fail, "{p}");
    }

    let outcomes = fx.run(Mode::Apply, None, Params::new()).await;
    for p in policies {
        let o = outcome_of(&outcomes, p, &sg);
        assert_eq!((o.status, o.verified), (OutcomeStatus::Applied, Some(true)), "{o:#?}");
        assert_eq!(fx.status(p, &sg), FindingStatus::Pass, "{p}");
    }
    // One action run for the three policies: the same changes reported for each.
    assert_eq!(outcome_of(&outcomes, policies[0], &sg).changes, outcome_of(&outcomes, policies[2], &sg).changes);

    let group = ec2.describe_security_groups().group_ids(&sg).send().await.unwrap();
    let mut rules: Vec<(String, i32, i32, String)> = group.security_groups()[0]
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            let ports = (
                p.ip_protocol().unwrap_or_default().to_string(),
                p.from_port().unwrap_or(-1),
                p.to_port().unwrap_or(-1),
            );
            p.ip_ranges()
                .iter()
                .map(|r| r.cidr_ip().unwrap_or_default().to_string())
                .chain(p.ipv6_ranges().iter().map(|r| r.cidr_ipv6().unwrap_or_default().to_string()))
                .map(move |cidr| (ports.0.clone(), ports.1, ports.2, cidr))
                .collect::<Vec<_>>()
        })
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        vec![
            ("tcp".into(), 443, 443, "0.0.0.0/0".into()),
            ("tcp".into(), 1000, 3388, "0.0.0.0/0".into()),
            ("tcp".into(), 3389, 3389, "10.0.0.0/8".into()),
            ("tcp".into(), 3390, 4000, "0.0.0.0/0".into()),
        ],
        "only the world-open admin ports are gone"
    );
    apply_again(&fx, Action::Ec2RevokeAdminPortIngress, &sg, &Params::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_access_keys_are_deactivated_and_new_ones_kept() {
    let fx = Fixture::new(true).await;
    let iam = fx.acct.iam();
    iam.create_user().user_name("carol").send().await.unwrap();
    let old = iam.create_access_key().user_name("carol").send().await.unwrap().access_key.unwrap().access_key_id;
    let new = iam.create_access_key().user_name("carol").send().await.unwrap().access_key.unwrap().access_key_id;
    fx.acct.backdate_access_key("carol", &old, 120.0);
    fx.scan(&[AwsService::Iam]).await;

    fix(&fx, "AWS.IAM.AccessKey.Rotation", "user/carol", Params::new()).await;
    let keys = iam.list_access_keys().user_name("carol").send().await.unwrap();
    let mut statuses: Vec<(String, String)> = keys
        .access_key_metadata()
        .iter()
        .map(|k| (k.access_key_id().unwrap().to_string(), k.status().unwrap().as_str().to_string()))
        .collect();
    statuses.sort();
    let mut expected = vec![(old, "Inactive".to_string()), (new, "Active".to_string())];
    expected.sort();
    assert_eq!(statuses, expected, "the old key is inactive (not deleted), the new one untouched");
    apply_again(&fx, Action::IamDeactivateOldAccessKeys, "user/carol", &Params::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_policy_gets_cis_values_and_keeps_its_other_settings() {
    let fx = Fixture::new(true).await;
    let iam = fx.acct.iam();
    iam.update_account_password_policy()
        .minimum_password_length(8)
        .require_numbers(true)
        .max_password_age(60)
        .send()
        .await
        .unwrap();
    fx.scan(&[AwsService::Iam]).await;
    let outcomes = fx.run(Mode::Apply, None, Params::new()).await;
    for p in ["AWS.IAM.PasswordPolicy.MinimumLength", "AWS.IAM.PasswordPolicy.ReusePrevention"] {
        let o = outcome_of(&outcomes, p, "account-password-policy");
        assert_eq!((o.status, o.verified), (OutcomeStatus::Applied, Some(true)), "{o:#?}");
        assert_eq!(fx.status(p, "account-password-policy"), FindingStatus::Pass);
    }
    let policy = iam.get_account_password_policy().send().await.unwrap();
    let p = policy.password_policy().unwrap();
    assert_eq!((p.minimum_password_length(), p.password_reuse_prevention()), (Some(14), Some(24)));
    assert_eq!((p.require_numbers(), p.max_password_age()), (true, Some(60)), "other settings kept");
    apply_again(&fx, Action::IamCisPasswordPolicy, "account-password-policy", &Params::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_password_policy_is_created_with_cis_values() {
    let fx = Fixture::new(true).await;
    fx.scan(&[AwsService::Iam]).await;
    fix(&fx, "AWS.IAM.PasswordPolicy.MinimumLength", "account-password-policy", Params::new()).await;
    let policy = fx.acct.iam().get_account_password_policy().send().await.unwrap();
    let p = policy.password_policy().unwrap();
    assert_eq!((p.minimum_password_length(), p.password_reuse_prevention()), (Some(14), Some(24)));
    assert!(
        p.require_symbols()
            && p.require_numbers()
            && p.require_uppercase_characters()
            && p.require_lowercase_characters()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_key_rotation_is_turned_on() {
    let fx = Fixture::new(true).await;
    let kms = fx.acct.kms(REGION);
    // Usage given: the emulator reports none unless told (AWS defaults to ENCRYPT_DECRYPT).
    let key = kms
        .create_key()
        .description("data")
        .key_spec(aws_sdk_kms::types::KeySpec::SymmetricDefault)
        .key_usage(aws_sdk_kms::types::KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    fx.scan(&[AwsService::Kms]).await;
    fix(&fx, "AWS.KMS.Key.RotationEnabled", &key, Params::new()).await;
    assert!(kms.get_key_rotation_status().key_id(&key).send().await.unwrap().key_rotation_enabled());
    apply_again(&fx, Action::KmsEnableKeyRotation, &key, &Params::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ebs_encryption_by_default_is_turned_on() {
    let fx = Fixture::new(true).await;
    fx.scan(&[AwsService::Ec2]).await;
    fix(&fx, "AWS.Region.EC2.EbsEncryptionByDefault", "region-settings", Params::new()).await;
    let ec2 = fx.acct.ec2(REGION);
    assert_eq!(ec2.get_ebs_encryption_by_default().send().await.unwrap().ebs_encryption_by_default(), Some(true));
    apply_again(&fx, Action::Ec2EbsEncryptionByDefault, "region-settings", &Params::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloudtrail_log_file_validation_is_turned_on() {
    let fx = Fixture::new(true).await;
    let bucket = format!("trail-logs-{}", fx.acct.account_id);
    fx.acct.s3(REGION).create_bucket().bucket(&bucket).send().await.unwrap();
    let trail = fx.acct.cloudtrail(REGION);
    trail.create_trail().name("main").s3_bucket_name(&bucket).send().await.unwrap();
    fx.scan(&[AwsService::CloudTrail]).await;
    fix(&fx, "AWS.CloudTrail.Trail.LogFileValidation", "trail/main", Params::new()).await;
    let got = trail.get_trail().name("main").send().await.unwrap();
    let t = got.trail().unwrap();
    assert_eq!(t.log_file_validation_enabled(), Some(true));
    assert_eq!(t.s3_bucket_name(), Some(bucket.as_str()), "the rest of the trail is unchanged");
    apply_again(&fx, Action::CloudTrailLogFileValidation, "trail/main", &Params::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imdsv2_is_required_and_other_metadata_settings_kept() {
    use aws_sdk_ec2::types::{HttpTokensState, InstanceMetadataOptionsRequest};
    let fx = Fixture::new(true).await;
    let ec2 = fx.acct.ec2(REGION);
    let run = ec2
        .run_instances()
        .image_id("ami-12345678")
        .min_count(1)
        .max_count(1)
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Optional)
                .http_put_response_hop_limit(3)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let instance = run.instances()[0].instance_id().unwrap().to_string();
    fx.scan(&[AwsService::Ec2]).await;
    fix(&fx, "AWS.EC2.Instance.IMDSv2Required", &instance, Params::new()).await;
    let described = ec2.describe_instances().instance_ids(&instance).send().await.unwrap();
    let options = described.reservations()[0].instances()[0].metadata_options().unwrap();
    assert_eq!(options.http_tokens(), Some(&HttpTokensState::Required));
    assert_eq!(options.http_put_response_hop_limit(), Some(3), "the hop limit is kept");
    apply_again(&fx, Action::Ec2RequireImdsv2, &instance, &Params::new()).await;
}
