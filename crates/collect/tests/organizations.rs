//! Organizations collector against the emulator: an organization planted in a fresh management
//! account (OUs two levels deep, accounts in them, SCPs on an OU and an account), every attribute
//! checked; a member account and an account in no organization yield nothing and no error.

use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType, Tag};
use palisade_collect::aws::{all_calls, ActionRecorder, AwsService};
use palisade_collect::{Collected, Emitter};
use palisade_model::{AccountId, Region, Resource, ResourceId, ResourceRef, ScanError};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const DENY_LEAVE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;
const DENY_REGIONS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#;
/// More than one page of ListOrganizationalUnitsForParent (moto answers 20 at a time). OUs, not
/// accounts: every account the emulator creates costs it seconds of setup (its IAM backends).
const TEAM_OUS: usize = 21;

async fn collect(acct: &TestAccount, recorder: Option<ActionRecorder>) -> (Vec<Resource>, Vec<ScanError>) {
    let ctx = acct.context_with(&["us-east-1"], recorder).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let out = Emitter::new(tx);
    let drain = tokio::spawn(async move {
        let (mut resources, mut errors) = (Vec::new(), Vec::new());
        while let Some(item) = rx.recv().await {
            match item {
                Collected::Resource(r) => resources.push(*r),
                Collected::Error(e) => errors.push(e),
            }
        }
        (resources, errors)
    });
    AwsService::Organizations.collect(&ctx, &TestAccount::region("us-east-1"), &out).await.expect("collect");
    drop(out);
    drain.await.expect("drain")
}

async fn fetch(acct: &TestAccount, resource_type: &str, id: &str) -> Option<Resource> {
    let ctx = acct.context(&["us-east-1"]).await;
    let reference = ResourceRef {
        resource_type: resource_type.into(),
        account_id: AccountId::new(acct.account_id.clone()).expect("account id"),
        region: Region::global(),
        id: ResourceId::new(id).expect("id"),
    };
    AwsService::Organizations.fetch(&ctx, &reference).await.expect("fetch")
}

fn one<'a>(resources: &'a [Resource], resource_type: &str, name: &str) -> &'a Resource {
    let found: Vec<_> = resources.iter().filter(|r| r.resource_type == resource_type && r.name == name).collect();
    assert_eq!(found.len(), 1, "one {resource_type} named {name}: {resources:#?}");
    found[0]
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

/// What was planted, as the emulator reported it.
struct Planted {
    org_id: String,
    org_arn: String,
    root_id: String,
    workloads: String,
    prod: String,
    sandbox: String,
    shop: String,
    lab: String,
    old: String,
    deny_leave: String,
    deny_regions: String,
}

async fn create_account(org: &aws_sdk_organizations::Client, name: &str, tags: Vec<Tag>) -> String {
    let status = org
        .create_account()
        .account_name(name)
        .email(format!("{name}@example.com"))
        .set_tags(Some(tags))
        .send()
        .await
        .expect("create account");
    status.create_account_status().and_then(|s| s.account_id()).expect("account id").to_string()
}

async fn create_ou(org: &aws_sdk_organizations::Client, parent: &str, name: &str, tags: Vec<Tag>) -> String {
    let out = org
        .create_organizational_unit()
        .parent_id(parent)
        .name(name)
        .set_tags(Some(tags))
        .send()
        .await
        .expect("create ou");
    out.organizational_unit().and_then(|o| o.id()).expect("ou id").to_string()
}

async fn move_account(org: &aws_sdk_organizations::Client, account: &str, from: &str, to: &str) {
    org.move_account().account_id(account).source_parent_id(from).destination_parent_id(to).send().await.expect("move");
}

async fn create_scp(org: &aws_sdk_organizations::Client, name: &str, content: &str, description: &str) -> String {
    let out = org
        .create_policy()
        .name(name)
        .description(description)
        .content(content)
        .r#type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .expect("create policy");
    out.policy().and_then(|p| p.policy_summary()).and_then(|s| s.id()).expect("policy id").to_string()
}

/// Root > Workloads > Prod (shop), Root > Sandbox (lab, old [suspended]) > 21 team OUs, the
/// management account in the root; DenyLeave on Prod, DenyRegions on lab; a tag policy that must
/// not be collected.
async fn plant(acct: &TestAccount) -> Planted {
    let org = aws_sdk_organizations::Client::new(&acct.sdk);
    let created = org.create_organization().feature_set(OrganizationFeatureSet::All).send().await.expect("org");
    let created = created.organization().expect("organization");
    let root_id = org.list_roots().send().await.expect("roots").roots()[0].id().expect("root id").to_string();
    org.enable_policy_type()
        .root_id(&root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .expect("enable scp");

    let workloads = create_ou(&org, &root_id, "Workloads", vec![]).await;
    let prod = create_ou(&org, &workloads, "Prod", vec![tag("tier", "1")]).await;
    let sandbox = create_ou(&org, &root_id, "Sandbox", vec![]).await;
    let shop = create_account(&org, "shop-prod", vec![tag("team", "shop"), tag("cost-center", "42")]).await;
    move_account(&org, &shop, &root_id, &prod).await;
    let lab = create_account(&org, "lab", vec![]).await;
    move_account(&org, &lab, &root_id, &sandbox).await;
    let old = create_account(&org, "old", vec![]).await;
    move_account(&org, &old, &root_id, &sandbox).await;
    org.close_account().account_id(&old).send().await.expect("close");
    for i in 0..TEAM_OUS {
        create_ou(&org, &sandbox, &format!("team-{i:02}"), vec![]).await;
    }

    let deny_leave = create_scp(&org, "DenyLeave", DENY_LEAVE, "no leaving").await;
    org.attach_policy().policy_id(&deny_leave).target_id(&prod).send().await.expect("attach to ou");
    let deny_regions = create_scp(&org, "DenyRegions", DENY_REGIONS, "eu only").await;
    org.attach_policy().policy_id(&deny_regions).target_id(&lab).send().await.expect("attach to account");
    org.create_policy()
        .name("Tags")
        .description("a tag policy")
        .content(r#"{"tags":{}}"#)
        .r#type(PolicyType::TagPolicy)
        .send()
        .await
        .expect("tag policy");

    Planted {
        org_id: created.id().expect("org id").to_string(),
        org_arn: created.arn().expect("org arn").to_string(),
        root_id,
        workloads,
        prod,
        sandbox,
        shop,
        lab,
        old,
        deny_leave,
        deny_regions,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_account_sees_the_whole_organization() {
    let acct = TestAccount::new().await;
    let p = plant(&acct).await;
    let mgmt = &acct.account_id;
    let org_client = aws_sdk_organizations::Client::new(&acct.sdk);
    let listed = org_client.list_accounts().send().await.expect("accounts");
    let joined = |id: &str| -> Value {
        let a = listed.accounts().iter().find(|a| a.id() == Some(id)).expect("listed account");
        let t = a.joined_timestamp().expect("joined");
        json!(t.fmt(aws_smithy_types::date_time::Format::DateTime).expect("format"))
    };
    let arn = |kind: &str, id: &str| format!("arn:aws:organizations::{mgmt}:{kind}/{}/{id}", p.org_id);
    let scp_arn = |id: &str| format!("arn:aws:organizations::{mgmt}:policy/{}/service_control_policy/{id}", p.org_id);

    let recorder = ActionRecorder::new();
    let (resources, errors) = collect(&acct, Some(recorder.clone())).await;
    assert!(errors.is_empty(), "{errors:?}");
    for r in &resources {
        assert_eq!(r.account_id.as_str(), acct.account_id, "{r:?}");
        assert_eq!(r.label, "Test");
        assert!(r.region.is_global(), "{r:?}");
    }
    let count = |t: &str| resources.iter().filter(|r| r.resource_type == t).count();
    assert_eq!(count("AWS.Organizations.Organization"), 1);
    assert_eq!(count("AWS.Organizations.OrganizationalUnit"), 4 + TEAM_OUS, "the root, three OUs and the teams");
    assert_eq!(count("AWS.Organizations.Account"), 4, "management, shop, lab, old");
    assert_eq!(count("AWS.Organizations.Policy"), 3, "FullAWSAccess, DenyLeave, DenyRegions; no tag policy");

    let org = one(&resources, "AWS.Organizations.Organization", &p.org_id);
    assert_eq!(org.id.as_str(), p.org_arn);
    assert_eq!(
        org.attributes,
        json!({
            "Id": p.org_id, "Arn": p.org_arn, "FeatureSet": "ALL", "MasterAccountId": mgmt,
            "MasterAccountArn": format!("arn:aws:organizations::{mgmt}:account/{}/{mgmt}", p.org_id),
            "MasterAccountEmail": "master@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
        })
    );

    let root = one(&resources, "AWS.Organizations.OrganizationalUnit", "Root");
    assert_eq!(root.id.as_str(), arn("root", &p.root_id));
    assert_eq!(
        root.attributes,
        json!({
            "Id": p.root_id, "Arn": arn("root", &p.root_id), "Name": "Root", "Type": "ROOT", "ParentId": null,
            "Path": "Root", "Policies": ["p-FullAWSAccess"],
            "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}], "Tags": [],
        })
    );
    let workloads = one(&resources, "AWS.Organizations.OrganizationalUnit", "Workloads");
    assert_eq!(workloads.attributes["Path"], "Root/Workloads");
    assert_eq!(workloads.attributes["ParentId"], p.root_id.as_str());
    let prod = one(&resources, "AWS.Organizations.OrganizationalUnit", "Prod");
    let mut prod_policies = vec!["p-FullAWSAccess".to_string(), p.deny_leave.clone()];
    prod_policies.sort();
    assert_eq!(prod.id.as_str(), arn("ou", &p.prod));
    assert_eq!(prod.tags.get("tier").map(String::as_str), Some("1"));
    assert_eq!(
        prod.attributes,
        json!({
            "Id": p.prod, "Arn": arn("ou", &p.prod), "Name": "Prod", "Type": "ORGANIZATIONAL_UNIT",
            "ParentId": p.workloads, "Path": "Root/Workloads/Prod", "Policies": prod_policies, "PolicyTypes": [],
            "Tags": [{"Key": "tier", "Value": "1"}],
        })
    );
    let sandbox = one(&resources, "AWS.Organizations.OrganizationalUnit", "Sandbox");
    assert_eq!(sandbox.attributes["Path"], "Root/Sandbox");

    let shop = one(&resources, "AWS.Organizations.Account", "shop-prod");
    assert_eq!(shop.id.as_str(), arn("account", &p.shop));
    assert_eq!(shop.tags.get("team").map(String::as_str), Some("shop"));
    assert_eq!(
        shop.attributes,
        json!({
            "Id": p.shop, "Arn": arn("account", &p.shop), "Name": "shop-prod", "Email": "shop-prod@example.com",
            "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "CREATED", "JoinedTimestamp": joined(&p.shop),
            "ParentId": p.prod, "OUPath": "Root/Workloads/Prod", "Policies": ["p-FullAWSAccess"],
            "Tags": [{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "shop"}],
        })
    );
    let lab = one(&resources, "AWS.Organizations.Account", "lab");
    let mut lab_policies = vec!["p-FullAWSAccess".to_string(), p.deny_regions.clone()];
    lab_policies.sort();
    assert_eq!(lab.attributes["OUPath"], "Root/Sandbox");
    assert_eq!(lab.attributes["ParentId"], p.sandbox.as_str());
    assert_eq!(lab.attributes["Policies"], json!(lab_policies));
    let old = one(&resources, "AWS.Organizations.Account", "old");
    assert_eq!(
        (old.attributes["Status"].as_str(), old.attributes["State"].as_str()),
        (Some("SUSPENDED"), Some("SUSPENDED"))
    );
    let management = one(&resources, "AWS.Organizations.Account", "master");
    assert_eq!(
        management.attributes,
        json!({
            "Id": mgmt, "Arn": arn("account", mgmt), "Name": "master", "Email": "master@example.com",
            "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": "CREATED", "JoinedTimestamp": joined(mgmt),
            "ParentId": p.root_id, "OUPath": "Root", "Policies": ["p-FullAWSAccess"], "Tags": [],
        })
    );
    let teams: BTreeSet<&str> = resources
        .iter()
        .filter(|r| r.attributes["ParentId"] == p.sandbox.as_str() && r.resource_type.ends_with("OrganizationalUnit"))
        .filter_map(|r| r.attributes["Path"].as_str())
        .collect();
    let expected: BTreeSet<String> = (0..TEAM_OUS).map(|i| format!("Root/Sandbox/team-{i:02}")).collect();
    assert_eq!(teams, expected.iter().map(String::as_str).collect(), "every page of ListOrganizationalUnitsForParent");

    let deny_leave = one(&resources, "AWS.Organizations.Policy", "DenyLeave");
    assert_eq!(deny_leave.id.as_str(), scp_arn(&p.deny_leave));
    assert_eq!(
        deny_leave.attributes,
        json!({
            "Id": p.deny_leave, "Arn": scp_arn(&p.deny_leave), "Name": "DenyLeave", "Description": "no leaving",
            "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false,
            "Content": serde_json::from_str::<Value>(DENY_LEAVE).expect("json"),
            "Targets": [{"TargetId": p.prod, "Arn": arn("ou", &p.prod), "Name": "Prod", "Type": "ORGANIZATIONAL_UNIT"}],
        })
    );
    let deny_regions = one(&resources, "AWS.Organizations.Policy", "DenyRegions");
    assert_eq!(
        deny_regions.attributes["Targets"],
        json!([{"TargetId": p.lab, "Arn": arn("account", &p.lab), "Name": "lab", "Type": "ACCOUNT"}])
    );
    let full = one(&resources, "AWS.Organizations.Policy", "FullAWSAccess");
    assert_eq!(full.attributes["AwsManaged"], true);
    assert_eq!(full.attributes["Content"]["Statement"][0]["Action"], "*");
    let targets: BTreeSet<&str> =
        full.attributes["Targets"].as_array().expect("targets").iter().filter_map(|t| t["TargetId"].as_str()).collect();
    for id in [&p.root_id, &p.workloads, &p.prod, &p.sandbox, mgmt, &p.shop, &p.lab, &p.old] {
        assert!(targets.contains(id.as_str()), "FullAWSAccess is attached to {id}: {targets:?}");
    }

    // Every call made is declared.
    let declared: BTreeSet<(String, String)> =
        all_calls().map(|c| (c.sdk_service.to_string(), c.operation.to_string())).collect();
    let called = recorder.calls();
    let undeclared: Vec<_> = called.difference(&declared).collect();
    assert!(undeclared.is_empty(), "calls made but not declared: {undeclared:?}");
    assert!(called.contains(&("Organizations".into(), "ListTargetsForPolicy".into())), "{called:?}");

    // Fetch by reference gives what the listing gave.
    for r in [shop, prod, deny_leave, org, root] {
        let fetched = fetch(&acct, &r.resource_type, r.id.as_str()).await.expect("fetched");
        assert_eq!((fetched.id.as_str(), &fetched.attributes), (r.id.as_str(), &r.attributes), "{}", r.resource_type);
        assert_eq!(fetched.tags, r.tags);
    }
    // Gone: a deleted policy, an account that left, an unknown OU.
    org_client.detach_policy().policy_id(&p.deny_regions).target_id(&p.lab).send().await.expect("detach");
    org_client.delete_policy().policy_id(&p.deny_regions).send().await.expect("delete policy");
    assert!(fetch(&acct, "AWS.Organizations.Policy", &scp_arn(&p.deny_regions)).await.is_none());
    org_client.remove_account_from_organization().account_id(&p.lab).send().await.expect("remove lab");
    assert!(fetch(&acct, "AWS.Organizations.Account", &arn("account", &p.lab)).await.is_none());
    assert!(fetch(&acct, "AWS.Organizations.OrganizationalUnit", &arn("ou", "ou-zzzz-zzzzzzzz")).await.is_none());
    assert!(fetch(&acct, "AWS.Organizations.Organization", "arn:aws:organizations::1:organization/o-other")
        .await
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_in_no_organization_yields_nothing() {
    let acct = TestAccount::new().await;
    let recorder = ActionRecorder::new();
    let (resources, errors) = collect(&acct, Some(recorder.clone())).await;
    assert!(resources.is_empty(), "{resources:?}");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        recorder.calls().into_iter().filter(|(s, _)| s == "Organizations").collect::<Vec<_>>(),
        vec![("Organizations".to_string(), "DescribeOrganization".to_string())]
    );
    assert!(fetch(&acct, "AWS.Organizations.Organization", "arn:aws:organizations::1:organization/o-x")
        .await
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_account_yields_nothing() {
    let management = TestAccount::new().await;
    let p = plant(&management).await;
    let member = member_account(p.shop.clone()).await;
    let (resources, errors) = collect(&member, None).await;
    assert!(resources.is_empty(), "{resources:?}");
    assert!(errors.is_empty(), "{errors:?}");
    let shop_arn = format!("arn:aws:organizations::{}:account/{}/{}", management.account_id, p.org_id, p.shop);
    assert!(fetch(&member, "AWS.Organizations.Account", &shop_arn).await.is_none());
}

/// A member account of the planted organization, reached like any other test account.
async fn member_account(account_id: String) -> TestAccount {
    let base = palisade_testkit::base_config().await;
    let provider =
        aws_config::sts::AssumeRoleProvider::builder(format!("arn:aws:iam::{account_id}:role/palisade-test"))
            .session_name("palisade-test")
            .configure(&base)
            .build()
            .await;
    let sdk = base
        .into_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
        .build();
    TestAccount { account_id, sdk }
}
