//! Account collector: one `AWS.Account` resource per account with account-wide facts that belong
//! to no single IAM entity, such as who holds the AWSSupportAccess managed policy (CIS 1.17).

use super::actions::call;
use super::arn::partition;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_iam::types::{PolicyGroup, PolicyRole, PolicyUser};
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const ACCOUNT: &str = "AWS.Account";
const SUPPORT_POLICY: &str = "iam::aws:policy/AWSSupportAccess";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "account",
    scope: Scope::Global,
    resource_types: &[ACCOUNT],
    calls: &[call("IAM", "ListEntitiesForPolicy", "iam:ListEntitiesForPolicy")],
};

pub(crate) async fn collect(ctx: &AwsContext, out: &Emitter) -> Result<(), CollectError> {
    match describe(ctx).await {
        Ok(resource) => out.resource(resource).await,
        Err(e) => out.error(&e).await,
    }
}

pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    if reference.id.as_str() != account_id(ctx) {
        return Ok(None);
    }
    describe(ctx).await.map(Some)
}

fn account_id(ctx: &AwsContext) -> String {
    format!("arn:{}:iam::{}:account", partition(&ctx.default_region()), ctx.account_id().as_str())
}

fn support_policy_arn(ctx: &AwsContext) -> String {
    format!("arn:{}:{SUPPORT_POLICY}", partition(&ctx.default_region()))
}

/// Who the AWSSupportAccess policy is attached to.
#[derive(Debug, Default)]
struct Entities {
    roles: Vec<PolicyRole>,
    users: Vec<PolicyUser>,
    groups: Vec<PolicyGroup>,
}

async fn describe(ctx: &AwsContext) -> Result<Resource, CollectError> {
    let policy_arn = support_policy_arn(ctx);
    let entities = support_entities(&ctx.iam(), &policy_arn).await?;
    let account = ctx.account_id().as_str().to_string();
    let attributes = account_attributes(&account, &policy_arn, &entities);
    ctx.resource(ACCOUNT, account_id(ctx), &Region::global(), account, BTreeMap::new(), attributes)
}

/// ListEntitiesForPolicy, every page; `NoSuchEntity` (the policy is unknown in this partition or
/// account) means it is attached to nothing.
async fn support_entities(client: &aws_sdk_iam::Client, policy_arn: &str) -> Result<Entities, CollectError> {
    let mut entities = Entities::default();
    let mut pages = client.list_entities_for_policy().policy_arn(policy_arn).into_paginator().send();
    while let Some(page) = pages.next().await {
        match page {
            Ok(page) => {
                entities.roles.extend(page.policy_roles.unwrap_or_default());
                entities.users.extend(page.policy_users.unwrap_or_default());
                entities.groups.extend(page.policy_groups.unwrap_or_default());
            }
            Err(e) if error_code(&e) == Some("NoSuchEntity") => return Ok(Entities::default()),
            Err(e) => return Err(api_error("iam", Region::GLOBAL, "ListEntitiesForPolicy", e)),
        }
    }
    Ok(entities)
}

// ---- pure ----

fn account_attributes(account: &str, policy_arn: &str, e: &Entities) -> Value {
    let attached = !(e.roles.is_empty() && e.users.is_empty() && e.groups.is_empty());
    json!({
        "AccountId": account,
        "SupportAccess": {
            "PolicyArn": policy_arn,
            "Attached": attached,
            "PolicyRoles": e.roles.iter()
                .map(|r| json!({"RoleName": r.role_name(), "RoleId": r.role_id()}))
                .collect::<Vec<_>>(),
            "PolicyUsers": e.users.iter()
                .map(|u| json!({"UserName": u.user_name(), "UserId": u.user_id()}))
                .collect::<Vec<_>>(),
            "PolicyGroups": e.groups.iter()
                .map(|g| json!({"GroupName": g.group_name(), "GroupId": g.group_id()}))
                .collect::<Vec<_>>(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:iam::aws:policy/AWSSupportAccess";

    #[test]
    fn support_access_attached_to_a_role() {
        let e = Entities {
            roles: vec![PolicyRole::builder().role_name("support").role_id("AROA1").build()],
            users: vec![PolicyUser::builder().user_name("alice").user_id("AIDA1").build()],
            groups: vec![PolicyGroup::builder().group_name("ops").group_id("AGPA1").build()],
        };
        assert_eq!(
            account_attributes("111122223333", ARN, &e),
            json!({
                "AccountId": "111122223333",
                "SupportAccess": {
                    "PolicyArn": ARN, "Attached": true,
                    "PolicyRoles": [{"RoleName": "support", "RoleId": "AROA1"}],
                    "PolicyUsers": [{"UserName": "alice", "UserId": "AIDA1"}],
                    "PolicyGroups": [{"GroupName": "ops", "GroupId": "AGPA1"}],
                },
            })
        );
    }

    #[test]
    fn support_access_attached_to_nothing() {
        let attrs = account_attributes("111122223333", ARN, &Entities::default());
        assert_eq!(
            attrs["SupportAccess"],
            json!({"PolicyArn": ARN, "Attached": false, "PolicyRoles": [], "PolicyUsers": [], "PolicyGroups": []})
        );
        let users_only =
            Entities { users: vec![PolicyUser::builder().user_name("bob").build()], ..Entities::default() };
        let attrs = account_attributes("1", ARN, &users_only);
        assert_eq!(attrs["SupportAccess"]["Attached"], json!(true));
        assert_eq!(attrs["SupportAccess"]["PolicyUsers"], json!([{"UserName": "bob", "UserId": null}]));
    }
}
