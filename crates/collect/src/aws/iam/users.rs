//! IAM users (`AWS.IAM.User`) and groups (`AWS.IAM.Group`). A group's policies are fetched once
//! and shared with every member.

use super::attachments::{attached_policies, inline_policies, permissions_boundary, GroupPolicies};
use super::report::{report_row, CredentialReport};
use super::service::{emit, listing_error, other_error, present};
use crate::aws::convert;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_iam::types::{AccessKeyLastUsed, AccessKeyMetadata, AttachedPolicy, Group, LoginProfile, MfaDevice, User};
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};
use std::collections::HashMap;

pub(super) const USER: &str = "AWS.IAM.User";
pub(super) const GROUP: &str = "AWS.IAM.Group";

pub(super) type GroupCache = HashMap<String, GroupPolicies>;

// ---------------------------------------------------------------------------------------------
// Groups

pub(super) async fn collect_groups(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    out: &Emitter,
) -> Result<GroupCache, CollectError> {
    let groups: Vec<Group> = client
        .list_groups()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(listing_error("ListGroups"))?;
    // Owned names: the future must be Send for any lifetime, which a borrowing closure is not.
    let names: Vec<String> = groups.iter().map(|g| g.group_name().to_string()).collect();
    let mut described = stream::iter(names)
        .map(|name| async move {
            let item = describe_group(ctx, client, &name).await;
            (name, item)
        })
        .buffer_unordered(ctx.item_concurrency());
    let mut cache = GroupCache::new();
    while let Some((name, item)) = described.next().await {
        match item {
            Ok(Some((resource, policies))) => {
                cache.insert(name, policies);
                out.resource(resource).await?;
            }
            Ok(None) => {}
            Err(e) => out.error(&e).await?,
        }
    }
    Ok(cache)
}

/// GetGroup (all pages of members) and the group's policies.
pub(super) async fn describe_group(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    name: &str,
) -> Result<Option<(Resource, GroupPolicies)>, CollectError> {
    let pages = client.get_group().group_name(name).into_paginator().send().try_collect().await;
    let Some(pages) = present("GetGroup", pages)? else { return Ok(None) };
    let Some(group) = pages.first().and_then(|p| p.group()) else {
        return Err(other_error("GetGroup", format!("the answer for group {name} holds no group")));
    };
    let users: Vec<&str> = pages.iter().flat_map(|p| p.users()).map(|u| u.user_name()).collect();
    let Some(policies) = group_policies(client, name).await? else { return Ok(None) };
    let attributes = group_attributes(group, &policies, &users);
    let resource = ctx.resource(
        GROUP,
        group.arn().to_string(),
        &Region::global(),
        group.group_name().to_string(),
        Default::default(),
        attributes,
    )?;
    Ok(Some((resource, policies)))
}

async fn group_policies(client: &aws_sdk_iam::Client, name: &str) -> Result<Option<GroupPolicies>, CollectError> {
    let attached = client.list_attached_group_policies().group_name(name).into_paginator().items().send();
    let Some(attached) = present("ListAttachedGroupPolicies", attached.try_collect().await)? else { return Ok(None) };
    let names = client.list_group_policies().group_name(name).into_paginator().items().send();
    let Some(names) = present("ListGroupPolicies", names.try_collect().await)? else { return Ok(None) };
    let mut inline = Vec::new();
    for policy in names {
        let got = client.get_group_policy().group_name(name).policy_name(&policy).send().await;
        // A policy deleted since the listing is simply no longer there.
        if let Some(got) = present("GetGroupPolicy", got)? {
            inline.push((policy, got.policy_document().to_string()));
        }
    }
    Ok(Some(GroupPolicies { attached: attached_policies(&attached), inline: inline_policies(&inline) }))
}

// ---------------------------------------------------------------------------------------------
// Users

pub(super) async fn collect_users(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    out: &Emitter,
    groups: &GroupCache,
    report: Option<&CredentialReport>,
) -> Result<(), CollectError> {
    let users: Vec<User> =
        client.list_users().into_paginator().items().send().try_collect().await.map_err(listing_error("ListUsers"))?;
    let names: Vec<String> = users.iter().map(|u| u.user_name().to_string()).collect();
    let mut described = stream::iter(names)
        .map(|name| async move { describe_user(ctx, client, &name, groups, report).await })
        .buffer_unordered(ctx.item_concurrency());
    while let Some(item) = described.next().await {
        emit(out, item).await?;
    }
    Ok(())
}

/// Everything gathered about one user, as the SDK returned it.
struct UserDetails {
    user: User,
    access_keys: Vec<(AccessKeyMetadata, Option<AccessKeyLastUsed>)>,
    mfa_devices: Vec<MfaDevice>,
    login_profile: Option<LoginProfile>,
    attached: Vec<AttachedPolicy>,
    inline: Vec<(String, String)>,
    groups: Vec<(Group, GroupPolicies)>,
}

/// GetUser (ListUsers lacks tags and the permissions boundary) and the user's credentials,
/// policies and groups; group policies come from `groups` when collected there.
pub(super) async fn describe_user(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    name: &str,
    groups: &GroupCache,
    report: Option<&CredentialReport>,
) -> Result<Option<Resource>, CollectError> {
    let Some(got) = present("GetUser", client.get_user().user_name(name).send().await)? else { return Ok(None) };
    let Some(user) = got.user().cloned() else {
        return Err(other_error("GetUser", format!("the answer for user {name} holds no user")));
    };

    let keys = client.list_access_keys().user_name(name).into_paginator().items().send();
    let Some(keys) = present("ListAccessKeys", keys.try_collect().await)? else { return Ok(None) };
    let mut access_keys = Vec::new();
    for key in keys {
        let Some(key_id) = key.access_key_id() else { continue };
        let used = client.get_access_key_last_used().access_key_id(key_id).send().await;
        // A key deleted since the listing is skipped.
        if let Some(used) = present("GetAccessKeyLastUsed", used)? {
            access_keys.push((key, used.access_key_last_used().cloned()));
        }
    }

    let mfa = client.list_mfa_devices().user_name(name).into_paginator().items().send();
    let Some(mfa_devices) = present("ListMFADevices", mfa.try_collect().await)? else { return Ok(None) };
    // NoSuchEntity here means the user has no console password.
    let login = client.get_login_profile().user_name(name).send().await;
    let login_profile = present("GetLoginProfile", login)?.and_then(|o| o.login_profile().cloned());

    let attached = client.list_attached_user_policies().user_name(name).into_paginator().items().send();
    let Some(attached) = present("ListAttachedUserPolicies", attached.try_collect().await)? else { return Ok(None) };
    let names = client.list_user_policies().user_name(name).into_paginator().items().send();
    let Some(names) = present("ListUserPolicies", names.try_collect().await)? else { return Ok(None) };
    let mut inline = Vec::new();
    for policy in names {
        let got = client.get_user_policy().user_name(name).policy_name(&policy).send().await;
        if let Some(got) = present("GetUserPolicy", got)? {
            inline.push((policy, got.policy_document().to_string()));
        }
    }

    let member_of = client.list_groups_for_user().user_name(name).into_paginator().items().send();
    let Some(member_of) = present("ListGroupsForUser", member_of.try_collect().await)? else { return Ok(None) };
    let mut user_groups = Vec::new();
    for group in member_of {
        let policies = match groups.get(group.group_name()) {
            Some(policies) => Some(policies.clone()),
            None => group_policies(client, group.group_name()).await?,
        };
        // None: the group was deleted meanwhile, so the user is no longer in it.
        if let Some(policies) = policies {
            user_groups.push((group, policies));
        }
    }

    let details = UserDetails { user, access_keys, mfa_devices, login_profile, attached, inline, groups: user_groups };
    let user = &details.user;
    let tags = convert::tags(user.tags().iter().map(|t| (Some(t.key()), Some(t.value()))));
    let attributes = user_attributes(&details, report_row(report, user.user_name()));
    let resource =
        ctx.resource(USER, user.arn().to_string(), &Region::global(), user.user_name().to_string(), tags, attributes)?;
    Ok(Some(resource))
}

// ---------------------------------------------------------------------------------------------
// Pure conversions from SDK shapes to attributes

/// IAM answers `N/A` for the service and region of a key that was never used.
fn used_value(s: &str) -> Value {
    if s.is_empty() || s == "N/A" {
        Value::Null
    } else {
        Value::String(s.to_string())
    }
}

fn access_key(key: &AccessKeyMetadata, used: Option<&AccessKeyLastUsed>) -> Value {
    json!({
        "AccessKeyId": convert::opt_str(key.access_key_id()),
        "Status": convert::opt_str(key.status().map(|s| s.as_str())),
        "CreateDate": convert::time(key.create_date()),
        "LastUsedDate": convert::time(used.and_then(|u| u.last_used_date())),
        "LastUsedService": used.map_or(Value::Null, |u| used_value(u.service_name())),
        "LastUsedRegion": used.map_or(Value::Null, |u| used_value(u.region())),
    })
}

fn user_attributes(d: &UserDetails, credential_report: Value) -> Value {
    let u = &d.user;
    let login_profile = d.login_profile.as_ref().map_or(Value::Null, |p| {
        json!({"CreateDate": convert::time(Some(p.create_date())), "PasswordResetRequired": p.password_reset_required()})
    });
    let groups: Vec<Value> = d
        .groups
        .iter()
        .map(|(g, p)| {
            json!({
                "GroupName": g.group_name(), "GroupId": g.group_id(), "Arn": g.arn(),
                "AttachedPolicies": p.attached, "InlinePolicies": p.inline,
            })
        })
        .collect();
    json!({
        "UserName": u.user_name(),
        "UserId": u.user_id(),
        "Arn": u.arn(),
        "Path": u.path(),
        "CreateDate": convert::time(Some(u.create_date())),
        "PasswordLastUsed": convert::time(u.password_last_used()),
        "AccessKeys": d.access_keys.iter().map(|(k, used)| access_key(k, used.as_ref())).collect::<Vec<_>>(),
        "MFADevices": d.mfa_devices.iter().map(|m| json!({
            "SerialNumber": m.serial_number(), "EnableDate": convert::time(Some(m.enable_date())),
        })).collect::<Vec<_>>(),
        "LoginProfile": login_profile,
        "AttachedPolicies": attached_policies(&d.attached),
        "InlinePolicies": inline_policies(&d.inline),
        "Groups": groups,
        "PermissionsBoundary": permissions_boundary(u.permissions_boundary()),
        "CredentialReport": credential_report,
    })
}

fn group_attributes(g: &Group, policies: &GroupPolicies, users: &[&str]) -> Value {
    json!({
        "GroupName": g.group_name(),
        "GroupId": g.group_id(),
        "Arn": g.arn(),
        "Path": g.path(),
        "CreateDate": convert::time(Some(g.create_date())),
        "AttachedPolicies": policies.attached,
        "InlinePolicies": policies.inline,
        "Users": users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::iam::fixtures::{check, t, DOC, DOC_ENCODED};
    use aws_sdk_iam::types::StatusType;

    fn user(name: &str) -> User {
        User::builder()
            .path("/division/")
            .user_name(name)
            .user_id("AIDA1")
            .arn(format!("arn:aws:iam::111122223333:user/division/{name}"))
            .create_date(t(0))
            .build()
            .expect("user")
    }

    #[test]
    fn describes_a_user_with_everything() {
        let key =
            AccessKeyMetadata::builder().access_key_id("AKIA1").status(StatusType::Active).create_date(t(60)).build();
        let used = AccessKeyLastUsed::builder()
            .last_used_date(t(120))
            .service_name("s3")
            .region("eu-west-1")
            .build()
            .expect("last used");
        let idle_key = AccessKeyMetadata::builder().access_key_id("AKIA2").status(StatusType::Inactive).build();
        let never = AccessKeyLastUsed::builder().service_name("N/A").region("N/A").build().expect("never used");
        let mfa = MfaDevice::builder()
            .user_name("alice")
            .serial_number("arn:aws:iam::1:mfa/alice")
            .enable_date(t(30))
            .build()
            .expect("mfa");
        let login = LoginProfile::builder()
            .user_name("alice")
            .create_date(t(10))
            .password_reset_required(true)
            .build()
            .expect("lp");
        let group = Group::builder()
            .path("/")
            .group_name("devs")
            .group_id("AGPA1")
            .arn("arn:aws:iam::1:group/devs")
            .create_date(t(0))
            .build()
            .expect("group");
        let group_policies = GroupPolicies {
            attached: json!([{"PolicyName": "ro", "PolicyArn": "arn:aws:iam::1:policy/ro"}]),
            inline: json!([]),
        };
        let details = UserDetails {
            user: user("alice"),
            access_keys: vec![(key, Some(used)), (idle_key, Some(never))],
            mfa_devices: vec![mfa],
            login_profile: Some(login),
            attached: vec![AttachedPolicy::builder().policy_name("ro").policy_arn("arn:aws:iam::1:policy/ro").build()],
            inline: vec![("inline".into(), DOC_ENCODED.into())],
            groups: vec![(group, group_policies)],
        };
        check(
            user_attributes(&details, json!({"user": "alice"})),
            json!({
                "UserName": "alice", "UserId": "AIDA1", "Arn": "arn:aws:iam::111122223333:user/division/alice",
                "Path": "/division/", "CreateDate": "1970-01-01T00:00:00Z", "PasswordLastUsed": null,
                "AccessKeys": [
                    {"AccessKeyId": "AKIA1", "Status": "Active", "CreateDate": "1970-01-01T00:01:00Z",
                     "LastUsedDate": "1970-01-01T00:02:00Z", "LastUsedService": "s3", "LastUsedRegion": "eu-west-1"},
                    {"AccessKeyId": "AKIA2", "Status": "Inactive", "CreateDate": null,
                     "LastUsedDate": null, "LastUsedService": null, "LastUsedRegion": null},
                ],
                "MFADevices": [{"SerialNumber": "arn:aws:iam::1:mfa/alice", "EnableDate": "1970-01-01T00:00:30Z"}],
                "LoginProfile": {"CreateDate": "1970-01-01T00:00:10Z", "PasswordResetRequired": true},
                "AttachedPolicies": [{"PolicyName": "ro", "PolicyArn": "arn:aws:iam::1:policy/ro"}],
                "InlinePolicies": [{"PolicyName": "inline", "PolicyDocument": serde_json::from_str::<Value>(DOC).expect("doc")}],
                "Groups": [{"GroupName": "devs", "GroupId": "AGPA1", "Arn": "arn:aws:iam::1:group/devs",
                            "AttachedPolicies": [{"PolicyName": "ro", "PolicyArn": "arn:aws:iam::1:policy/ro"}],
                            "InlinePolicies": []}],
                "PermissionsBoundary": null,
                "CredentialReport": {"user": "alice"},
            }),
        );
    }

    #[test]
    fn describes_a_bare_user() {
        let details = UserDetails {
            user: user("bob"),
            access_keys: vec![],
            mfa_devices: vec![],
            login_profile: None,
            attached: vec![],
            inline: vec![],
            groups: vec![],
        };
        let attrs = user_attributes(&details, Value::Null);
        for key in ["AccessKeys", "MFADevices", "AttachedPolicies", "InlinePolicies", "Groups"] {
            assert_eq!(attrs[key], json!([]), "{key}");
        }
        for key in ["LoginProfile", "PermissionsBoundary", "CredentialReport", "PasswordLastUsed"] {
            assert_eq!(attrs[key], Value::Null, "{key}");
        }
    }
}
