//! IAM roles (`AWS.IAM.Role`) and customer-managed policies (`AWS.IAM.Policy`).

use super::attachments::{attached_policies, inline_policies, permissions_boundary};
use super::service::{emit, listing_error, other_error, present};
use crate::aws::convert;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_iam::types::{AttachedPolicy, Policy, PolicyScopeType, PolicyVersion, Role};
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};

pub(super) const ROLE: &str = "AWS.IAM.Role";
pub(super) const POLICY: &str = "AWS.IAM.Policy";

// ---------------------------------------------------------------------------------------------
// Roles

pub(super) async fn collect_roles(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    out: &Emitter,
) -> Result<(), CollectError> {
    let roles: Vec<Role> =
        client.list_roles().into_paginator().items().send().try_collect().await.map_err(listing_error("ListRoles"))?;
    let names: Vec<String> = roles.iter().map(|r| r.role_name().to_string()).collect();
    let mut described = stream::iter(names)
        .map(|name| async move { describe_role(ctx, client, &name).await })
        .buffer_unordered(ctx.item_concurrency());
    while let Some(item) = described.next().await {
        emit(out, item).await?;
    }
    Ok(())
}

/// GetRole (ListRoles lacks RoleLastUsed, tags and the permissions boundary) and its policies.
pub(super) async fn describe_role(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    name: &str,
) -> Result<Option<Resource>, CollectError> {
    let Some(got) = present("GetRole", client.get_role().role_name(name).send().await)? else { return Ok(None) };
    let Some(role) = got.role() else {
        return Err(other_error("GetRole", format!("the answer for role {name} holds no role")));
    };
    let attached = client.list_attached_role_policies().role_name(name).into_paginator().items().send();
    let Some(attached) = present("ListAttachedRolePolicies", attached.try_collect().await)? else { return Ok(None) };
    let names = client.list_role_policies().role_name(name).into_paginator().items().send();
    let Some(names) = present("ListRolePolicies", names.try_collect().await)? else { return Ok(None) };
    let mut inline = Vec::new();
    for policy in names {
        let got = client.get_role_policy().role_name(name).policy_name(&policy).send().await;
        if let Some(got) = present("GetRolePolicy", got)? {
            inline.push((policy, got.policy_document().to_string()));
        }
    }
    let tags = convert::tags(role.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    let attributes = role_attributes(role, &attached, &inline);
    let resource =
        ctx.resource(ROLE, role.arn().to_string(), &Region::global(), role.role_name().to_string(), tags, attributes)?;
    Ok(Some(resource))
}

// ---------------------------------------------------------------------------------------------
// Customer-managed policies

pub(super) async fn collect_policies(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    out: &Emitter,
) -> Result<(), CollectError> {
    // Local scope: AWS-managed policies are the same in every account and not the user's to fix.
    let policies: Vec<Policy> = client
        .list_policies()
        .scope(PolicyScopeType::Local)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(listing_error("ListPolicies"))?;
    let arns: Vec<String> = policies.iter().filter_map(|p| p.arn()).map(str::to_string).collect();
    let mut described = stream::iter(arns)
        .map(|arn| async move { describe_policy(ctx, client, &arn).await })
        .buffer_unordered(ctx.item_concurrency());
    while let Some(item) = described.next().await {
        emit(out, item).await?;
    }
    Ok(())
}

/// GetPolicy (ListPolicies lacks tags) and the document of its default version.
pub(super) async fn describe_policy(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    arn: &str,
) -> Result<Option<Resource>, CollectError> {
    let Some(got) = present("GetPolicy", client.get_policy().policy_arn(arn).send().await)? else { return Ok(None) };
    let Some(policy) = got.policy() else {
        return Err(other_error("GetPolicy", format!("the answer for policy {arn} holds no policy")));
    };
    let version = match policy.default_version_id() {
        Some(version_id) => {
            let got = client.get_policy_version().policy_arn(arn).version_id(version_id).send().await;
            let Some(got) = present("GetPolicyVersion", got)? else { return Ok(None) };
            got.policy_version().cloned()
        }
        None => None,
    };
    let tags = convert::tags(policy.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    let name = policy.policy_name().unwrap_or_default().to_string();
    let attributes = policy_attributes(policy, version.as_ref());
    Ok(Some(ctx.resource(POLICY, arn.to_string(), &Region::global(), name, tags, attributes)?))
}

// ---------------------------------------------------------------------------------------------
// Pure conversions from SDK shapes to attributes

fn role_attributes(r: &Role, attached: &[AttachedPolicy], inline: &[(String, String)]) -> Value {
    // GetRole answers an empty RoleLastUsed for a role never used (in the tracking period).
    let last_used = match r.role_last_used() {
        Some(u) if u.last_used_date().is_some() || u.region().is_some() => {
            json!({"LastUsedDate": convert::time(u.last_used_date()), "Region": convert::opt_str(u.region())})
        }
        _ => Value::Null,
    };
    json!({
        "RoleName": r.role_name(),
        "RoleId": r.role_id(),
        "Arn": r.arn(),
        "Path": r.path(),
        "CreateDate": convert::time(Some(r.create_date())),
        "Description": convert::opt_str(r.description()),
        "MaxSessionDuration": r.max_session_duration(),
        "AssumeRolePolicyDocument": r.assume_role_policy_document().map_or(Value::Null, convert::policy_document),
        "AttachedPolicies": attached_policies(attached),
        "InlinePolicies": inline_policies(inline),
        "RoleLastUsed": last_used,
        "PermissionsBoundary": permissions_boundary(r.permissions_boundary()),
    })
}

fn policy_attributes(p: &Policy, default_version: Option<&PolicyVersion>) -> Value {
    let version = default_version.map_or(Value::Null, |v| {
        json!({
            "VersionId": convert::opt_str(v.version_id()),
            "CreateDate": convert::time(v.create_date()),
            "Document": v.document().map_or(Value::Null, convert::policy_document),
        })
    });
    json!({
        "PolicyName": convert::opt_str(p.policy_name()),
        "PolicyId": convert::opt_str(p.policy_id()),
        "Arn": convert::opt_str(p.arn()),
        "Path": convert::opt_str(p.path()),
        "Description": convert::opt_str(p.description()),
        "DefaultVersionId": convert::opt_str(p.default_version_id()),
        "AttachmentCount": p.attachment_count(),
        "IsAttachable": p.is_attachable(),
        "CreateDate": convert::time(p.create_date()),
        "UpdateDate": convert::time(p.update_date()),
        "DefaultVersion": version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::iam::fixtures::{check, t, DOC, DOC_ENCODED};
    use aws_sdk_iam::types::{AttachedPermissionsBoundary, PermissionsBoundaryAttachmentType, RoleLastUsed};

    #[test]
    fn describes_roles_used_and_unused() {
        let boundary = AttachedPermissionsBoundary::builder()
            .permissions_boundary_arn("arn:aws:iam::1:policy/boundary")
            .permissions_boundary_type(PermissionsBoundaryAttachmentType::Policy)
            .build();
        let role = |last_used: RoleLastUsed| {
            Role::builder()
                .path("/service/")
                .role_name("app")
                .role_id("AROA1")
                .arn("arn:aws:iam::1:role/service/app")
                .create_date(t(0))
                .assume_role_policy_document(DOC_ENCODED)
                .max_session_duration(3600)
                .permissions_boundary(boundary.clone())
                .role_last_used(last_used)
                .build()
                .expect("role")
        };
        let used = role(RoleLastUsed::builder().last_used_date(t(5)).region("us-east-1").build());
        check(
            role_attributes(&used, &[], &[]),
            json!({
                "RoleName": "app", "RoleId": "AROA1", "Arn": "arn:aws:iam::1:role/service/app", "Path": "/service/",
                "CreateDate": "1970-01-01T00:00:00Z", "Description": null, "MaxSessionDuration": 3600,
                "AssumeRolePolicyDocument": serde_json::from_str::<Value>(DOC).expect("doc"),
                "AttachedPolicies": [], "InlinePolicies": [],
                "RoleLastUsed": {"LastUsedDate": "1970-01-01T00:00:05Z", "Region": "us-east-1"},
                "PermissionsBoundary": {"PermissionsBoundaryArn": "arn:aws:iam::1:policy/boundary",
                                        "PermissionsBoundaryType": "PermissionsBoundaryPolicy"},
            }),
        );
        let unused = role(RoleLastUsed::builder().build());
        assert_eq!(role_attributes(&unused, &[], &[])["RoleLastUsed"], Value::Null);
    }

    #[test]
    fn describes_a_policy_with_its_default_version() {
        let policy = Policy::builder()
            .policy_name("deploy")
            .policy_id("ANPA1")
            .arn("arn:aws:iam::1:policy/deploy")
            .path("/")
            .default_version_id("v2")
            .attachment_count(1)
            .is_attachable(true)
            .create_date(t(0))
            .update_date(t(9))
            .build();
        let version = PolicyVersion::builder().version_id("v2").document(DOC_ENCODED).create_date(t(9)).build();
        check(
            policy_attributes(&policy, Some(&version)),
            json!({
                "PolicyName": "deploy", "PolicyId": "ANPA1", "Arn": "arn:aws:iam::1:policy/deploy", "Path": "/",
                "Description": null, "DefaultVersionId": "v2", "AttachmentCount": 1, "IsAttachable": true,
                "CreateDate": "1970-01-01T00:00:00Z", "UpdateDate": "1970-01-01T00:00:09Z",
                "DefaultVersion": {"VersionId": "v2", "CreateDate": "1970-01-01T00:00:09Z",
                                   "Document": serde_json::from_str::<Value>(DOC).expect("doc")},
            }),
        );
        assert_eq!(policy_attributes(&policy, None)["DefaultVersion"], Value::Null);
    }
}
