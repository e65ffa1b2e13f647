//! The remediation role, proven: every remediation runs on an account planted with something for
//! each to fix, every SDK call is recorded by the same interceptor the read-only role's proof uses,
//! and the IAM actions of those calls are exactly the actions the generated template grants:
//! nothing called is missing from it, and nothing in it goes uncalled.

mod common;

use aws_sdk_ec2::types::{HttpTokensState, InstanceMetadataOptionsRequest, IpPermission, IpRange};
use common::*;
use palisade_collect::aws::{ActionRecorder, AwsService};
use palisade_onboard::{remediation_role_template, RoleTemplateOptions, DATA_PLANE_READS};
use palisade_remediate::{
    all_calls, required_iam_actions, Action, Mode, OutcomeStatus, RemediationOptions, IDENTITY_CALLS,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Something for every action to fix.
async fn plant(fx: &Fixture) -> String {
    let acct = &fx.acct;
    acct.s3(REGION).create_bucket().bucket(format!("lp-{}", acct.account_id)).send().await.unwrap();

    let ec2 = acct.ec2(REGION);
    let vpc = ec2.create_vpc().cidr_block("10.9.0.0/16").send().await.unwrap().vpc.unwrap().vpc_id.unwrap();
    let sg = ec2.create_security_group().group_name("wide").description("wide").vpc_id(&vpc).send().await.unwrap();
    // A wide range, so the fix both allows the other ports again and revokes.
    ec2.authorize_security_group_ingress()
        .group_id(sg.group_id().unwrap())
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(0)
                .to_port(65535)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.run_instances()
        .image_id("ami-12345678")
        .min_count(1)
        .max_count(1)
        .metadata_options(InstanceMetadataOptionsRequest::builder().http_tokens(HttpTokensState::Optional).build())
        .send()
        .await
        .unwrap();

    let iam = acct.iam();
    iam.create_user().user_name("dave").send().await.unwrap();
    let key = iam.create_access_key().user_name("dave").send().await.unwrap().access_key.unwrap().access_key_id;
    acct.backdate_access_key("dave", &key, 200.0);

    let kms = acct.kms(REGION);
    let key = kms
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::SymmetricDefault)
        .key_usage(aws_sdk_kms::types::KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();

    let logs = format!("lp-trail-{}", acct.account_id);
    acct.s3(REGION).create_bucket().bucket(&logs).send().await.unwrap();
    acct.cloudtrail(REGION).create_trail().name("lp-trail").s3_bucket_name(&logs).send().await.unwrap();
    key.arn.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remediation_role_grants_exactly_what_the_remediations_call() {
    let fx = Fixture::new(true).await;
    let key_arn = plant(&fx).await;
    fx.scan(&[AwsService::S3, AwsService::Ec2, AwsService::Iam, AwsService::Kms, AwsService::CloudTrail]).await;

    let recorder = ActionRecorder::new();
    let params = [("s3_encryption_kms_key_id".to_string(), json!(key_arn))].into_iter().collect();
    let opts = RemediationOptions { mode: Mode::Apply, params, ..Default::default() };
    let outcomes = fx.run_with(opts, Some(recorder.clone())).await;
    let applied: BTreeSet<&str> =
        outcomes.iter().filter(|o| o.status == OutcomeStatus::Applied).map(|o| o.action.as_str()).collect();
    let every: BTreeSet<&str> = Action::ALL.iter().map(|a| a.id()).collect();
    assert_eq!(applied, every, "every action ran and changed something: {outcomes:#?}");
    assert!(outcomes.iter().all(|o| o.verified == Some(true)), "{outcomes:#?}");

    let declared: BTreeMap<(String, String), &str> = all_calls()
        .chain(IDENTITY_CALLS)
        .map(|c| ((c.sdk_service.to_string(), c.operation.to_string()), c.iam_action))
        .collect();
    let called: BTreeSet<&str> = recorder
        .calls()
        .iter()
        .map(|k| *declared.get(k).unwrap_or_else(|| panic!("{k:?} was called but no action declares it")))
        .filter(|a| !IDENTITY_CALLS.iter().any(|c| c.iam_action == *a))
        .collect();

    let template = remediation_role_template(
        &required_iam_actions(&Action::ALL),
        &RoleTemplateOptions {
            palisade_account_id: "111111111111",
            external_id: "x-123",
            role_name: "PalisadeRemediation",
        },
    );
    let statement = &template["Resources"]["PalisadeRemediationRole"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"][0];
    let granted: BTreeSet<&str> =
        statement["Action"].as_array().expect("action list").iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(statement["Resource"], "*");
    let missing: Vec<_> = called.difference(&granted).collect();
    let unused: Vec<_> = granted.difference(&called).collect();
    assert!(missing.is_empty(), "called but not granted: {missing:?}");
    assert!(unused.is_empty(), "granted but never called: {unused:?}");
    for read in DATA_PLANE_READS {
        assert!(!granted.contains(read), "the remediation role grants the data-plane read {read}");
    }
}
