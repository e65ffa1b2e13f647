//! Organizations collector: from the management account, the organization
//! (`AWS.Organizations.Organization`), its roots and OUs (`AWS.Organizations.OrganizationalUnit`),
//! its accounts with their place in the OU tree (`AWS.Organizations.Account`), and its service
//! control policies with their targets (`AWS.Organizations.Policy`).
//!
//! Any other account (a member, or one in no organization) yields nothing and no error: only the
//! management account can list an organization, and it is scanned as a source like the others.

pub mod discover;
mod tree;

use super::actions::call;
use super::convert;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_organizations::types::{
    Account, Organization, Policy, PolicyTargetSummary, PolicyType, PolicyTypeSummary, Tag,
};
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use tree::{Membership, Node, OrgTree, SERVICE};

const ORGANIZATION: &str = "AWS.Organizations.Organization";
const ACCOUNT: &str = "AWS.Organizations.Account";
const UNIT: &str = "AWS.Organizations.OrganizationalUnit";
const POLICY: &str = "AWS.Organizations.Policy";
const POLICY_NOT_FOUND: &str = "PolicyNotFoundException";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "organizations",
    scope: Scope::Global,
    resource_types: &[ORGANIZATION, ACCOUNT, UNIT, POLICY],
    calls: &[
        call("Organizations", "DescribeOrganization", "organizations:DescribeOrganization"),
        call("Organizations", "ListRoots", "organizations:ListRoots"),
        call("Organizations", "ListOrganizationalUnitsForParent", "organizations:ListOrganizationalUnitsForParent"),
        call("Organizations", "ListAccountsForParent", "organizations:ListAccountsForParent"),
        call("Organizations", "ListTagsForResource", "organizations:ListTagsForResource"),
        call("Organizations", "ListPoliciesForTarget", "organizations:ListPoliciesForTarget"),
        call("Organizations", "ListPolicies", "organizations:ListPolicies"),
        call("Organizations", "DescribePolicy", "organizations:DescribePolicy"),
        call("Organizations", "ListTargetsForPolicy", "organizations:ListTargetsForPolicy"),
    ],
};

pub(crate) async fn collect(ctx: &AwsContext, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.organizations();
    let org = match tree::membership(ctx, &client).await? {
        Membership::Management(org) => org,
        Membership::Member(_) | Membership::None => return Ok(()),
    };
    emit(out, organization_resource(ctx, &org)).await?;

    let tree = tree::walk(ctx, &client).await?;
    let mut units = stream::iter(unit_items(&tree))
        .map(|item| describe_unit(ctx, &client, item))
        .buffer_unordered(ctx.item_concurrency());
    while let Some(result) = units.next().await {
        emit(out, result).await?;
    }
    let mut accounts = stream::iter(account_items(&tree))
        .map(|item| describe_account(ctx, &client, item))
        .buffer_unordered(ctx.item_concurrency());
    while let Some(result) = accounts.next().await {
        emit(out, result).await?;
    }

    let mut policy_ids = Vec::new();
    let mut pages = client.list_policies().filter(PolicyType::ServiceControlPolicy).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error(SERVICE, Region::GLOBAL, "ListPolicies", e))?;
        policy_ids.extend(page.policies().iter().filter_map(|p| p.id().map(str::to_string)));
    }
    let mut policies =
        stream::iter(policy_ids).map(|id| describe_policy(ctx, &client, id)).buffer_unordered(ctx.item_concurrency());
    while let Some(result) = policies.next().await {
        match result {
            Ok(Some(resource)) => out.resource(resource).await?,
            // Deleted between the listing and its description.
            Ok(None) => {}
            Err(e) => out.error(&e).await?,
        }
    }
    Ok(())
}

/// Fetches one resource by its ARN. Accounts and OUs need their place in the tree, so the tree is
/// walked again (listing calls only, no per-item calls but the fetched item's own).
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let client = ctx.organizations();
    let org = match tree::membership(ctx, &client).await? {
        Membership::Management(org) => org,
        Membership::Member(_) | Membership::None => return Ok(None),
    };
    let id = reference.id.as_str();
    match reference.resource_type.as_str() {
        ORGANIZATION => Ok((org.arn() == Some(id)).then(|| organization_resource(ctx, &org)).transpose()?),
        POLICY => match id.rsplit('/').next() {
            Some(policy_id) if !policy_id.is_empty() => describe_policy(ctx, &client, policy_id.to_string()).await,
            _ => Ok(None),
        },
        UNIT => {
            let tree = tree::walk(ctx, &client).await?;
            match unit_items(&tree).into_iter().find(|item| item.node.arn.as_deref() == Some(id)) {
                Some(item) => describe_unit(ctx, &client, item).await.map(Some),
                None => Ok(None),
            }
        }
        ACCOUNT => {
            let tree = tree::walk(ctx, &client).await?;
            match account_items(&tree).into_iter().find(|item| item.account.arn() == Some(id)) {
                Some(item) => describe_account(ctx, &client, item).await.map(Some),
                None => Ok(None),
            }
        }
        other => Err(CollectError::UnsupportedType(other.to_string())),
    }
}

async fn emit(out: &Emitter, result: Result<Resource, CollectError>) -> Result<(), CollectError> {
    match result {
        Ok(resource) => out.resource(resource).await,
        Err(e) => out.error(&e).await,
    }
}

/// A root or OU with its name path, owned so it can cross a task boundary.
struct UnitItem {
    node: Node,
    path: String,
}

/// An account with the root or OU directly containing it and that parent's name path.
struct AccountItem {
    account: Account,
    parent_id: String,
    ou_path: String,
}

fn unit_items(tree: &OrgTree) -> Vec<UnitItem> {
    tree.nodes.values().map(|node| UnitItem { node: node.clone(), path: tree.path(&node.id) }).collect()
}

fn account_items(tree: &OrgTree) -> Vec<AccountItem> {
    tree.accounts
        .iter()
        .map(|(parent, account)| AccountItem {
            account: account.clone(),
            parent_id: parent.clone(),
            ou_path: tree.path(parent),
        })
        .collect()
}

fn organization_resource(ctx: &AwsContext, org: &Organization) -> Result<Resource, CollectError> {
    let id = org.arn().or(org.id()).unwrap_or_default().to_string();
    let name = org.id().unwrap_or_default().to_string();
    ctx.resource(ORGANIZATION, id, &Region::global(), name, Default::default(), organization_attributes(org))
}

/// A root or OU: its tags and the SCPs attached to it directly.
async fn describe_unit(
    ctx: &AwsContext,
    client: &aws_sdk_organizations::Client,
    item: UnitItem,
) -> Result<Resource, CollectError> {
    let tags = tags(client, &item.node.id).await?;
    let policies = attached_policies(client, &item.node.id).await?;
    let id = item.node.arn.clone().unwrap_or_else(|| item.node.id.clone());
    let attributes = unit_attributes(&item.node, &item.path, &policies, &tags);
    ctx.resource(UNIT, id, &Region::global(), item.node.name.clone(), tag_map(&tags), attributes)
}

/// An account: its tags and the SCPs attached to it directly.
async fn describe_account(
    ctx: &AwsContext,
    client: &aws_sdk_organizations::Client,
    item: AccountItem,
) -> Result<Resource, CollectError> {
    let account_id = item.account.id().unwrap_or_default();
    let tags = tags(client, account_id).await?;
    let policies = attached_policies(client, account_id).await?;
    let id = item.account.arn().unwrap_or(account_id).to_string();
    let name = item.account.name().unwrap_or(account_id).to_string();
    let attributes = account_attributes(&item.account, &item.parent_id, &item.ou_path, &policies, &tags);
    ctx.resource(ACCOUNT, id, &Region::global(), name, tag_map(&tags), attributes)
}

/// An SCP with its document and targets; `None` if it no longer exists or is not an SCP.
async fn describe_policy(
    ctx: &AwsContext,
    client: &aws_sdk_organizations::Client,
    policy_id: String,
) -> Result<Option<Resource>, CollectError> {
    let policy = match client.describe_policy().policy_id(&policy_id).send().await {
        Ok(out) => out.policy,
        Err(e) if error_code(&e) == Some(POLICY_NOT_FOUND) => return Ok(None),
        Err(e) => return Err(api_error(SERVICE, Region::GLOBAL, "DescribePolicy", e)),
    };
    let Some(policy) = policy else { return Ok(None) };
    let summary = policy.policy_summary();
    if summary.and_then(|s| s.r#type()) != Some(&PolicyType::ServiceControlPolicy) {
        return Ok(None);
    }
    let mut targets = Vec::new();
    let mut pages = client.list_targets_for_policy().policy_id(&policy_id).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => targets.extend(page.targets.unwrap_or_default()),
            Err(e) if error_code(&e) == Some(POLICY_NOT_FOUND) => return Ok(None),
            Err(e) => return Err(api_error(SERVICE, Region::GLOBAL, "ListTargetsForPolicy", e)),
        }
    }
    let id = summary.and_then(|s| s.arn()).unwrap_or(&policy_id).to_string();
    let name = summary.and_then(|s| s.name()).unwrap_or(&policy_id).to_string();
    let attributes = policy_attributes(&policy, &targets);
    ctx.resource(POLICY, id, &Region::global(), name, Default::default(), attributes).map(Some)
}

/// ListTagsForResource, every page.
async fn tags(client: &aws_sdk_organizations::Client, resource_id: &str) -> Result<Vec<Tag>, CollectError> {
    let mut tags = Vec::new();
    let mut pages = client.list_tags_for_resource().resource_id(resource_id).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error(SERVICE, Region::GLOBAL, "ListTagsForResource", e))?;
        tags.extend(page.tags.unwrap_or_default());
    }
    Ok(tags)
}

/// The ids of the SCPs attached directly to a root, OU or account (ListPoliciesForTarget).
async fn attached_policies(
    client: &aws_sdk_organizations::Client,
    target_id: &str,
) -> Result<Vec<String>, CollectError> {
    let mut ids = Vec::new();
    let mut pages = client
        .list_policies_for_target()
        .target_id(target_id)
        .filter(PolicyType::ServiceControlPolicy)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error(SERVICE, Region::GLOBAL, "ListPoliciesForTarget", e))?;
        ids.extend(page.policies().iter().filter_map(|p| p.id().map(str::to_string)));
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

// ---- pure ----

fn tag_map(tags: &[Tag]) -> std::collections::BTreeMap<String, String> {
    convert::tags(tags.iter().map(|t| (Some(t.key()), Some(t.value()))))
}

/// Tags as AWS returns them, sorted by key.
fn tags_value(tags: &[Tag]) -> Value {
    Value::Array(tag_map(tags).into_iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

fn policy_types_value(types: &[PolicyTypeSummary]) -> Value {
    types
        .iter()
        .map(|t| json!({"Type": t.r#type().map(|v| v.as_str()), "Status": t.status().map(|v| v.as_str())}))
        .collect()
}

fn organization_attributes(org: &Organization) -> Value {
    json!({
        "Id": org.id(),
        "Arn": org.arn(),
        "FeatureSet": org.feature_set().map(|f| f.as_str()),
        "MasterAccountId": org.master_account_id(),
        "MasterAccountArn": org.master_account_arn(),
        "MasterAccountEmail": org.master_account_email(),
        "AvailablePolicyTypes": policy_types_value(org.available_policy_types()),
    })
}

fn unit_attributes(node: &Node, path: &str, policies: &[String], tags: &[Tag]) -> Value {
    json!({
        "Id": node.id,
        "Arn": node.arn,
        "Name": node.name,
        "Type": if node.is_root() { "ROOT" } else { "ORGANIZATIONAL_UNIT" },
        "ParentId": node.parent_id,
        "Path": path,
        "Policies": policies,
        "PolicyTypes": policy_types_value(node.policy_types.as_deref().unwrap_or_default()),
        "Tags": tags_value(tags),
    })
}

fn account_attributes(account: &Account, parent_id: &str, ou_path: &str, policies: &[String], tags: &[Tag]) -> Value {
    json!({
        "Id": account.id(),
        "Arn": account.arn(),
        "Name": account.name(),
        "Email": account.email(),
        "Status": account.status().map(|s| s.as_str()),
        "State": account.state().map(|s| s.as_str()),
        "JoinedMethod": account.joined_method().map(|m| m.as_str()),
        "JoinedTimestamp": convert::time(account.joined_timestamp()),
        "ParentId": parent_id,
        "OUPath": ou_path,
        "Policies": policies,
        "Tags": tags_value(tags),
    })
}

fn policy_attributes(policy: &Policy, targets: &[PolicyTargetSummary]) -> Value {
    let summary = policy.policy_summary();
    let mut targets: Vec<Value> = targets
        .iter()
        .map(|t| {
            json!({
                "TargetId": t.target_id(),
                "Arn": t.arn(),
                "Name": t.name(),
                "Type": t.r#type().map(|v| v.as_str()),
            })
        })
        .collect();
    targets.sort_by(|a, b| a["TargetId"].as_str().cmp(&b["TargetId"].as_str()));
    json!({
        "Id": summary.and_then(|s| s.id()),
        "Arn": summary.and_then(|s| s.arn()),
        "Name": summary.and_then(|s| s.name()),
        "Description": summary.and_then(|s| s.description()),
        "Type": summary.and_then(|s| s.r#type()).map(|t| t.as_str()),
        "AwsManaged": summary.map(|s| s.aws_managed()),
        "Content": policy.content().map(convert::policy_document),
        "Targets": targets,
    })
}

#[cfg(test)]
mod tests {
    use super::tree::fixtures;
    use super::*;
    use aws_sdk_organizations::types::{
        AccountJoinedMethod, AccountState, OrganizationFeatureSet, PolicySummary, PolicyTypeStatus, Root, TargetType,
    };

    fn tag(k: &str, v: &str) -> Tag {
        Tag::builder().key(k).value(v).build().expect("tag")
    }

    fn scp_types() -> Vec<PolicyTypeSummary> {
        vec![PolicyTypeSummary::builder()
            .r#type(PolicyType::ServiceControlPolicy)
            .status(PolicyTypeStatus::Enabled)
            .build()]
    }

    #[test]
    fn organization() {
        let org = Organization::builder()
            .id("o-abc")
            .arn("arn:aws:organizations::111111111111:organization/o-abc")
            .feature_set(OrganizationFeatureSet::All)
            .master_account_id("111111111111")
            .master_account_arn("arn:aws:organizations::111111111111:account/o-abc/111111111111")
            .set_available_policy_types(Some(scp_types()))
            .build();
        assert_eq!(
            organization_attributes(&org),
            json!({
                "Id": "o-abc", "Arn": "arn:aws:organizations::111111111111:organization/o-abc",
                "FeatureSet": "ALL", "MasterAccountId": "111111111111",
                "MasterAccountArn": "arn:aws:organizations::111111111111:account/o-abc/111111111111",
                "MasterAccountEmail": null,
                "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
            })
        );
        let bare = organization_attributes(&Organization::builder().build());
        assert_eq!(bare["AvailablePolicyTypes"], json!([]));
        assert_eq!(bare["FeatureSet"], Value::Null);
    }

    #[test]
    fn units_and_roots() {
        let tree = fixtures::tree();
        let items = unit_items(&tree);
        let prod = items.iter().find(|i| i.node.name == "Prod").expect("prod");
        assert_eq!(
            unit_attributes(&prod.node, &prod.path, &["p-deny1234".into()], &[tag("team", "shop")]),
            json!({
                "Id": "ou-ab12-prod0001", "Arn": "arn:aws:organizations::111111111111:ou/o-abc/ou-ab12-prod0001",
                "Name": "Prod", "Type": "ORGANIZATIONAL_UNIT", "ParentId": "ou-ab12-workload",
                "Path": "Root/Workloads/Prod", "Policies": ["p-deny1234"], "PolicyTypes": [],
                "Tags": [{"Key": "team", "Value": "shop"}],
            })
        );
        let root = Root::builder().id("r-ab12").name("Root").set_policy_types(Some(scp_types())).build();
        let root = Node::root(&root).expect("root");
        assert_eq!(
            unit_attributes(&root, "Root", &[], &[]),
            json!({
                "Id": "r-ab12", "Arn": null, "Name": "Root", "Type": "ROOT", "ParentId": null, "Path": "Root",
                "Policies": [], "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}], "Tags": [],
            })
        );
    }

    #[test]
    fn accounts_carry_their_ou_path() {
        let items = account_items(&fixtures::tree());
        assert_eq!(items.len(), 2);
        let shop = items.iter().find(|i| i.account.id() == Some("222222222222")).expect("shop");
        let account = Account::builder()
            .id("222222222222")
            .arn("arn:aws:organizations::111111111111:account/o-abc/222222222222")
            .name("shop-prod")
            .email("shop-prod@example.com")
            .status(aws_sdk_organizations::types::AccountStatus::Active)
            .state(AccountState::Active)
            .joined_method(AccountJoinedMethod::Created)
            .joined_timestamp(aws_smithy_types::DateTime::from_secs(1_700_000_000))
            .build();
        let tags = [tag("env", "prod"), tag("cost", "42")];
        assert_eq!(
            account_attributes(&account, &shop.parent_id, &shop.ou_path, &["p-FullAWSAccess".into()], &tags),
            json!({
                "Id": "222222222222", "Arn": "arn:aws:organizations::111111111111:account/o-abc/222222222222",
                "Name": "shop-prod", "Email": "shop-prod@example.com", "Status": "ACTIVE", "State": "ACTIVE",
                "JoinedMethod": "CREATED", "JoinedTimestamp": "2023-11-14T22:13:20Z",
                "ParentId": "ou-ab12-prod0001", "OUPath": "Root/Workloads/Prod", "Policies": ["p-FullAWSAccess"],
                "Tags": [{"Key": "cost", "Value": "42"}, {"Key": "env", "Value": "prod"}],
            })
        );
        let management = items.iter().find(|i| i.account.id() == Some("111111111111")).expect("management");
        let attrs = account_attributes(
            &Account::builder().id("111111111111").build(),
            &management.parent_id,
            &management.ou_path,
            &[],
            &[],
        );
        assert_eq!((attrs["OUPath"].as_str(), attrs["ParentId"].as_str()), (Some("Root"), Some("r-ab12")));
        assert_eq!((attrs["Email"].clone(), attrs["JoinedTimestamp"].clone()), (Value::Null, Value::Null));
    }

    #[test]
    fn service_control_policies() {
        let policy = Policy::builder()
            .policy_summary(
                PolicySummary::builder()
                    .id("p-deny1234")
                    .arn("arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-deny1234")
                    .name("DenyLeaveOrg")
                    .r#type(PolicyType::ServiceControlPolicy)
                    .aws_managed(false)
                    .build(),
            )
            .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#)
            .build();
        let target = |id: &str, name: &str, t: TargetType| {
            PolicyTargetSummary::builder().target_id(id).arn(format!("arn:{id}")).name(name).r#type(t).build()
        };
        let targets = [
            target("ou-ab12-prod0001", "Prod", TargetType::OrganizationalUnit),
            target("222222222222", "shop", TargetType::Account),
        ];
        assert_eq!(
            policy_attributes(&policy, &targets),
            json!({
                "Id": "p-deny1234",
                "Arn": "arn:aws:organizations::111111111111:policy/o-abc/service_control_policy/p-deny1234",
                "Name": "DenyLeaveOrg", "Description": null, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false,
                "Content": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}]},
                "Targets": [
                    {"TargetId": "222222222222", "Arn": "arn:222222222222", "Name": "shop", "Type": "ACCOUNT"},
                    {"TargetId": "ou-ab12-prod0001", "Arn": "arn:ou-ab12-prod0001", "Name": "Prod", "Type": "ORGANIZATIONAL_UNIT"},
                ],
            })
        );
        let bare = policy_attributes(&Policy::builder().build(), &[]);
        assert_eq!(
            (bare["Content"].clone(), bare["Targets"].clone(), bare["AwsManaged"].clone()),
            (Value::Null, json!([]), Value::Null)
        );
    }
}
