//! Account collector against the emulator: who holds the AWSSupportAccess managed policy.
//!
//! The emulator must load AWS-managed policies (moto's `MOTO_IAM_LOAD_MANAGED_POLICIES=true`,
//! set by scripts/emulator/server.py) so the policy can be attached.

use palisade_collect::aws::{ActionRecorder, AwsService};
use palisade_collect::{Collected, Emitter};
use palisade_model::{AccountId, Region, Resource, ResourceId, ResourceRef};
use palisade_testkit::TestAccount;
use serde_json::json;
use std::collections::BTreeSet;

const SUPPORT: &str = "arn:aws:iam::aws:policy/AWSSupportAccess";
const TRUST_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"support.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Runs the account collector through a recording context; no scan errors allowed.
async fn collect(acct: &TestAccount, recorder: &ActionRecorder) -> Resource {
    let ctx = acct.context_with(&["us-east-1"], Some(recorder.clone())).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let out = Emitter::new(tx);
    AwsService::Account.collect(&ctx, &TestAccount::region("us-east-1"), &out).await.expect("collect");
    drop(out);
    let mut resources = Vec::new();
    while let Some(item) = rx.recv().await {
        match item {
            Collected::Resource(r) => resources.push(*r),
            Collected::Error(e) => panic!("scan error: {e:?}"),
        }
    }
    assert_eq!(resources.len(), 1, "one AWS.Account per account: {resources:?}");
    let r = resources.remove(0);
    assert_eq!(r.resource_type, "AWS.Account");
    assert_eq!(r.account_id.as_str(), acct.account_id);
    assert_eq!(r.label, "Test");
    assert!(r.region.is_global());
    assert_eq!(r.id.as_str(), format!("arn:aws:iam::{}:account", acct.account_id));
    assert_eq!(r.name, acct.account_id);
    assert!(r.tags.is_empty());
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_access_follows_the_policy_attachments() {
    let acct = TestAccount::new().await;
    let iam = acct.iam();
    let recorder = ActionRecorder::new();

    let before = collect(&acct, &recorder).await;
    assert_eq!(
        before.attributes,
        json!({
            "AccountId": acct.account_id,
            "SupportAccess": {"PolicyArn": SUPPORT, "Attached": false, "PolicyRoles": [], "PolicyUsers": [], "PolicyGroups": []},
        })
    );

    let role =
        iam.create_role().role_name("support").assume_role_policy_document(TRUST_DOC).send().await.expect("role");
    let role = role.role().expect("role").clone();
    iam.attach_role_policy().role_name("support").policy_arn(SUPPORT).send().await.expect(
        "attach AWSSupportAccess: the emulator must load AWS-managed policies (MOTO_IAM_LOAD_MANAGED_POLICIES=true)",
    );
    let group = iam.create_group().group_name("helpdesk").send().await.expect("group");
    let group = group.group().expect("group").clone();
    iam.attach_group_policy().group_name("helpdesk").policy_arn(SUPPORT).send().await.expect("attach to group");
    // A role holding another policy is not listed.
    iam.create_role().role_name("other").assume_role_policy_document(TRUST_DOC).send().await.expect("other role");

    let after = collect(&acct, &recorder).await;
    assert_eq!(
        after.attributes,
        json!({
            "AccountId": acct.account_id,
            "SupportAccess": {
                "PolicyArn": SUPPORT, "Attached": true,
                "PolicyRoles": [{"RoleName": "support", "RoleId": role.role_id()}],
                "PolicyUsers": [],
                "PolicyGroups": [{"GroupName": "helpdesk", "GroupId": group.group_id()}],
            },
        })
    );

    // Fetch by reference re-reads it; any other id names nothing.
    let ctx = acct.context_with(&["us-east-1"], Some(recorder.clone())).await;
    iam.detach_group_policy().group_name("helpdesk").policy_arn(SUPPORT).send().await.expect("detach");
    let fetched = AwsService::Account.fetch(&ctx, &after.reference()).await.expect("fetch").expect("always exists");
    assert_eq!(fetched.attributes["SupportAccess"]["PolicyGroups"], json!([]));
    assert_eq!(fetched.attributes["SupportAccess"]["Attached"], json!(true));
    let other = ResourceRef {
        resource_type: "AWS.Account".into(),
        account_id: AccountId::new(acct.account_id.clone()).expect("account"),
        region: Region::global(),
        id: ResourceId::new("arn:aws:iam::000000000000:account").expect("id"),
    };
    assert_eq!(AwsService::Account.fetch(&ctx, &other).await.expect("fetch other"), None);

    let declared: BTreeSet<(String, String)> =
        AwsService::Account.spec().calls.iter().map(|c| (c.sdk_service.to_string(), c.operation.to_string())).collect();
    let made: BTreeSet<(String, String)> = recorder.calls().into_iter().filter(|(s, _)| s != "STS").collect();
    assert_eq!(made, declared);
}
