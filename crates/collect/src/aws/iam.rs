//! IAM collector: users, groups, roles, customer-managed policies, the account password policy
//! and the root user, with the credential report joined to users and root.

use super::actions::call;
use super::convert;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
use aws_sdk_iam::types::{
    AccessKeyLastUsed, AccessKeyMetadata, AttachedPermissionsBoundary, AttachedPolicy, Group, LoginProfile, MfaDevice,
    PasswordPolicy, Policy, PolicyScopeType, PolicyVersion, Role, User,
};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt};
use palisade_model::{Region, Resource, ResourceRef, ScanErrorKind};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::Duration;

const SERVICE: &str = "iam";
const USER: &str = "AWS.IAM.User";
const GROUP: &str = "AWS.IAM.Group";
const ROLE: &str = "AWS.IAM.Role";
const POLICY: &str = "AWS.IAM.Policy";
const PASSWORD_POLICY: &str = "AWS.IAM.PasswordPolicy";
const ROOT_USER: &str = "AWS.IAM.RootUser";
/// The credential report's name for the root user's row.
const ROOT_ROW: &str = "<root_account>";
/// The report is usually ready within seconds; waits grow 1 s, 2 s, ... between attempts.
const REPORT_ATTEMPTS: u32 = 5;
const REPORT_WAIT: Duration = Duration::from_secs(1);

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "iam",
    scope: Scope::Global,
    resource_types: &[USER, GROUP, ROLE, POLICY, PASSWORD_POLICY, ROOT_USER],
    calls: &[
        call("IAM", "GenerateCredentialReport", "iam:GenerateCredentialReport"),
        call("IAM", "GetCredentialReport", "iam:GetCredentialReport"),
        call("IAM", "ListUsers", "iam:ListUsers"),
        call("IAM", "GetUser", "iam:GetUser"),
        call("IAM", "ListAccessKeys", "iam:ListAccessKeys"),
        call("IAM", "GetAccessKeyLastUsed", "iam:GetAccessKeyLastUsed"),
        call("IAM", "ListMFADevices", "iam:ListMFADevices"),
        call("IAM", "GetLoginProfile", "iam:GetLoginProfile"),
        call("IAM", "ListAttachedUserPolicies", "iam:ListAttachedUserPolicies"),
        call("IAM", "ListUserPolicies", "iam:ListUserPolicies"),
        call("IAM", "GetUserPolicy", "iam:GetUserPolicy"),
        call("IAM", "ListGroupsForUser", "iam:ListGroupsForUser"),
        call("IAM", "ListGroups", "iam:ListGroups"),
        call("IAM", "GetGroup", "iam:GetGroup"),
        call("IAM", "ListAttachedGroupPolicies", "iam:ListAttachedGroupPolicies"),
        call("IAM", "ListGroupPolicies", "iam:ListGroupPolicies"),
        call("IAM", "GetGroupPolicy", "iam:GetGroupPolicy"),
        call("IAM", "ListRoles", "iam:ListRoles"),
        call("IAM", "GetRole", "iam:GetRole"),
        call("IAM", "ListAttachedRolePolicies", "iam:ListAttachedRolePolicies"),
        call("IAM", "ListRolePolicies", "iam:ListRolePolicies"),
        call("IAM", "GetRolePolicy", "iam:GetRolePolicy"),
        call("IAM", "ListPolicies", "iam:ListPolicies"),
        call("IAM", "GetPolicy", "iam:GetPolicy"),
        call("IAM", "GetPolicyVersion", "iam:GetPolicyVersion"),
        call("IAM", "GetAccountPasswordPolicy", "iam:GetAccountPasswordPolicy"),
        call("IAM", "GetAccountSummary", "iam:GetAccountSummary"),
    ],
};

/// Credential report rows keyed by their `user` column (`<root_account>` for root); each row maps
/// the CSV header names to the cell text.
type CredentialReport = HashMap<String, Map<String, Value>>;

/// A group's policies, fetched once per collect and shared by the group and all its members.
#[derive(Clone, Debug, PartialEq)]
struct GroupPolicies {
    attached: Value,
    inline: Value,
}

type GroupCache = HashMap<String, GroupPolicies>;

pub(crate) async fn collect(ctx: &AwsContext, out: &Emitter) -> Result<(), CollectError> {
    let client = ctx.iam();
    let report = match credential_report(&client).await {
        Ok(report) => Some(report),
        Err(e) => {
            out.error(&e).await?;
            None
        }
    };
    // A failed listing must not hide the other resource types: the first one is returned (so
    // the engine knows coverage was incomplete), later ones are recorded.
    let mut failed = None;
    let groups = match collect_groups(ctx, &client, out).await {
        Ok(groups) => groups,
        Err(e) => {
            settle(Err(e), &mut failed, out).await?;
            GroupCache::new()
        }
    };
    settle(collect_users(ctx, &client, out, &groups, report.as_ref()).await, &mut failed, out).await?;
    settle(collect_roles(ctx, &client, out).await, &mut failed, out).await?;
    settle(collect_policies(ctx, &client, out).await, &mut failed, out).await?;
    emit(out, describe_password_policy(ctx, &client).await).await?;
    emit(out, describe_root(ctx, &client, report.as_ref()).await).await?;
    failed.map_or(Ok(()), Err)
}

pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let client = ctx.iam();
    let id = reference.id.as_str();
    match reference.resource_type.as_str() {
        USER => {
            let Some(name) = name_from_arn(id, "user") else { return Ok(None) };
            // Without an emitter a missing report cannot be flagged, so it fails the fetch
            // rather than yield a user whose CredentialReport silently reads null.
            let report = credential_report(&client).await?;
            describe_user(ctx, &client, name, &GroupCache::new(), Some(&report)).await
        }
        GROUP => match name_from_arn(id, "group") {
            Some(name) => Ok(describe_group(ctx, &client, name).await?.map(|(resource, _)| resource)),
            None => Ok(None),
        },
        ROLE => match name_from_arn(id, "role") {
            Some(name) => describe_role(ctx, &client, name).await,
            None => Ok(None),
        },
        POLICY => describe_policy(ctx, &client, id).await,
        PASSWORD_POLICY if id == password_policy_id(ctx) => describe_password_policy(ctx, &client).await,
        ROOT_USER if id == root_id(ctx) => {
            let report = credential_report(&client).await?;
            describe_root(ctx, &client, Some(&report)).await
        }
        PASSWORD_POLICY | ROOT_USER => Ok(None),
        other => Err(CollectError::UnsupportedType(other.to_string())),
    }
}

/// Emits one described item: the resource, nothing if it vanished, or its error.
async fn emit(out: &Emitter, item: Result<Option<Resource>, CollectError>) -> Result<(), CollectError> {
    match item {
        Ok(Some(resource)) => out.resource(resource).await,
        Ok(None) => Ok(()),
        Err(e) => out.error(&e).await,
    }
}

/// Keeps the first failed listing to return at the end and records the others.
async fn settle(
    result: Result<(), CollectError>,
    failed: &mut Option<CollectError>,
    out: &Emitter,
) -> Result<(), CollectError> {
    match result {
        Ok(()) => Ok(()),
        Err(CollectError::Cancelled) => Err(CollectError::Cancelled),
        Err(e) if failed.is_none() => {
            *failed = Some(e);
            Ok(())
        }
        Err(e) => out.error(&e).await,
    }
}

/// A per-item call's result, where `NoSuchEntity` means the item (or the part asked for) no
/// longer exists.
fn present<T, E, R>(operation: &str, result: Result<T, SdkError<E, R>>) -> Result<Option<T>, CollectError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if error_code(&e) == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(api_error(SERVICE, Region::GLOBAL, operation, e)),
    }
}

fn listing_error<E, R>(operation: &str) -> impl FnOnce(SdkError<E, R>) -> CollectError + '_
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |e| api_error(SERVICE, Region::GLOBAL, operation, e)
}

fn other_error(operation: &str, message: String) -> CollectError {
    CollectError::Api {
        service: SERVICE.into(),
        region: Region::GLOBAL.into(),
        operation: operation.into(),
        kind: ScanErrorKind::Other,
        message,
    }
}

// ---------------------------------------------------------------------------------------------
// Credential report

/// Generates the credential report and polls (boundedly) until it can be downloaded.
async fn credential_report(client: &aws_sdk_iam::Client) -> Result<CredentialReport, CollectError> {
    const OP: &str = "GetCredentialReport";
    let generate = || async {
        client.generate_credential_report().send().await.map_err(listing_error("GenerateCredentialReport"))
    };
    generate().await?;
    for attempt in 1..=REPORT_ATTEMPTS {
        match client.get_credential_report().send().await {
            Ok(report) => {
                let content = report.content().map(|b| b.as_ref()).unwrap_or_default();
                return parse_credential_report(content)
                    .map_err(|e| other_error(OP, format!("the credential report is not valid csv: {e}")));
            }
            Err(e) => match error_code(&e) {
                Some("ReportInProgress") => {}
                // Expired or never generated (for example purged meanwhile): ask again.
                Some("ReportNotPresent") | Some("ReportExpired") => {
                    generate().await?;
                }
                _ => return Err(api_error(SERVICE, Region::GLOBAL, OP, e)),
            },
        }
        if attempt < REPORT_ATTEMPTS {
            tokio::time::sleep(REPORT_WAIT * attempt).await;
        }
    }
    Err(other_error(OP, format!("the credential report was not ready after {REPORT_ATTEMPTS} attempts")))
}

/// Parses the report's CSV into rows keyed by the `user` column, cells kept as strings.
fn parse_credential_report(content: &[u8]) -> Result<CredentialReport, csv::Error> {
    let mut reader = csv::Reader::from_reader(content);
    let headers = reader.headers()?.clone();
    let mut rows = CredentialReport::new();
    for record in reader.records() {
        let record = record?;
        let row: Map<String, Value> =
            headers.iter().zip(record.iter()).map(|(h, v)| (h.to_string(), Value::String(v.to_string()))).collect();
        if let Some(Value::String(user)) = row.get("user") {
            rows.insert(user.clone(), row);
        }
    }
    Ok(rows)
}

fn report_row(report: Option<&CredentialReport>, user: &str) -> Value {
    report.and_then(|r| r.get(user)).map(|row| Value::Object(row.clone())).unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------------
// Groups

async fn collect_groups(
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
async fn describe_group(
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

async fn collect_users(
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
async fn describe_user(
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
// Roles

async fn collect_roles(ctx: &AwsContext, client: &aws_sdk_iam::Client, out: &Emitter) -> Result<(), CollectError> {
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
async fn describe_role(
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

async fn collect_policies(ctx: &AwsContext, client: &aws_sdk_iam::Client, out: &Emitter) -> Result<(), CollectError> {
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
async fn describe_policy(
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
// Account: password policy and root user

fn password_policy_id(ctx: &AwsContext) -> String {
    format!("arn:aws:iam::{}:account-password-policy", ctx.account_id().as_str())
}

fn root_id(ctx: &AwsContext) -> String {
    format!("arn:aws:iam::{}:root", ctx.account_id().as_str())
}

async fn describe_password_policy(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
) -> Result<Option<Resource>, CollectError> {
    // NoSuchEntity: the account has no password policy, which is itself the finding.
    let got = present("GetAccountPasswordPolicy", client.get_account_password_policy().send().await)?;
    let attributes = password_policy_attributes(got.as_ref().and_then(|o| o.password_policy()));
    let id = password_policy_id(ctx);
    Ok(Some(ctx.resource(
        PASSWORD_POLICY,
        id,
        &Region::global(),
        "password-policy".into(),
        Default::default(),
        attributes,
    )?))
}

async fn describe_root(
    ctx: &AwsContext,
    client: &aws_sdk_iam::Client,
    report: Option<&CredentialReport>,
) -> Result<Option<Resource>, CollectError> {
    let summary = client.get_account_summary().send().await.map_err(listing_error("GetAccountSummary"))?;
    let attributes = root_attributes(&summary, report_row(report, ROOT_ROW));
    Ok(Some(ctx.resource(ROOT_USER, root_id(ctx), &Region::global(), "root".into(), Default::default(), attributes)?))
}

// ---------------------------------------------------------------------------------------------
// Pure conversions from SDK shapes to attributes

/// The name in an IAM ARN such as `arn:aws:iam::1:user/division/alice` (`kind` = `user`): the
/// last path segment.
fn name_from_arn<'a>(arn: &'a str, kind: &str) -> Option<&'a str> {
    let (_, resource) = arn.rsplit_once(':')?;
    let path = resource.strip_prefix(kind)?.strip_prefix('/')?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

fn attached_policies(policies: &[AttachedPolicy]) -> Value {
    policies
        .iter()
        .map(
            |p| json!({"PolicyName": convert::opt_str(p.policy_name()), "PolicyArn": convert::opt_str(p.policy_arn())}),
        )
        .collect()
}

/// `(name, raw document)` pairs; documents arrive URL-encoded and are decoded to JSON.
fn inline_policies(policies: &[(String, String)]) -> Value {
    policies
        .iter()
        .map(|(name, doc)| json!({"PolicyName": name, "PolicyDocument": convert::policy_document(doc)}))
        .collect()
}

fn permissions_boundary(boundary: Option<&AttachedPermissionsBoundary>) -> Value {
    match boundary {
        Some(b) => json!({
            "PermissionsBoundaryArn": convert::opt_str(b.permissions_boundary_arn()),
            "PermissionsBoundaryType": convert::opt_str(b.permissions_boundary_type().map(|t| t.as_str())),
        }),
        None => Value::Null,
    }
}

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

fn password_policy_attributes(p: Option<&PasswordPolicy>) -> Value {
    let Some(p) = p else {
        return json!({
            "Exists": false, "MinimumPasswordLength": null, "RequireSymbols": null, "RequireNumbers": null,
            "RequireUppercaseCharacters": null, "RequireLowercaseCharacters": null,
            "AllowUsersToChangePassword": null, "ExpirePasswords": null, "MaxPasswordAge": null,
            "PasswordReusePrevention": null, "HardExpiry": null,
        });
    };
    json!({
        "Exists": true,
        "MinimumPasswordLength": p.minimum_password_length(),
        "RequireSymbols": p.require_symbols(),
        "RequireNumbers": p.require_numbers(),
        "RequireUppercaseCharacters": p.require_uppercase_characters(),
        "RequireLowercaseCharacters": p.require_lowercase_characters(),
        "AllowUsersToChangePassword": p.allow_users_to_change_password(),
        "ExpirePasswords": p.expire_passwords(),
        "MaxPasswordAge": p.max_password_age(),
        "PasswordReusePrevention": p.password_reuse_prevention(),
        "HardExpiry": p.hard_expiry(),
    })
}

fn root_attributes(summary: &GetAccountSummaryOutput, credential_report: Value) -> Value {
    let map: Map<String, Value> = summary
        .summary_map()
        .map(|m| m.iter().map(|(k, v)| (k.as_str().to_string(), json!(v))).collect())
        .unwrap_or_default();
    let flag = |key: &str| map.get(key).and_then(Value::as_i64).is_some_and(|v| v > 0);
    let (mfa, keys, certs) =
        (flag("AccountMFAEnabled"), flag("AccountAccessKeysPresent"), flag("AccountSigningCertificatesPresent"));
    json!({
        "AccountMFAEnabled": mfa,
        "AccountAccessKeysPresent": keys,
        "AccountSigningCertificatesPresent": certs,
        "SummaryMap": map,
        "CredentialReport": credential_report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::{PermissionsBoundaryAttachmentType, RoleLastUsed, StatusType, SummaryKeyType};
    use aws_smithy_types::DateTime;

    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    const DOC_ENCODED: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";

    fn t(secs: i64) -> DateTime {
        DateTime::from_secs(secs)
    }

    /// Compares a pure conversion's output with the expected JSON.
    fn check(actual: Value, expected: Value) {
        assert_eq!(actual, expected, "\nactual:   {actual:#}\nexpected: {expected:#}");
    }

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
    fn names_come_from_the_last_path_segment() {
        assert_eq!(name_from_arn("arn:aws:iam::1:user/division/alice", "user"), Some("alice"));
        assert_eq!(name_from_arn("arn:aws:iam::1:user/bob", "user"), Some("bob"));
        assert_eq!(name_from_arn("arn:aws:iam::1:role/service-role/app", "role"), Some("app"));
        assert_eq!(name_from_arn("arn:aws:iam::1:group/devs", "group"), Some("devs"));
        assert_eq!(name_from_arn("arn:aws:iam::1:role/app", "user"), None);
        assert_eq!(name_from_arn("arn:aws:iam::1:user/", "user"), None);
        assert_eq!(name_from_arn("not an arn", "user"), None);
    }

    #[test]
    fn parses_the_credential_report() {
        let csv = "user,arn,mfa_active,access_key_1_active\n\
                   <root_account>,arn:aws:iam::1:root,true,false\n\
                   alice,arn:aws:iam::1:user/alice,false,true\n";
        let report = parse_credential_report(csv.as_bytes()).expect("valid csv");
        check(
            report_row(Some(&report), "alice"),
            json!({"user": "alice", "arn": "arn:aws:iam::1:user/alice", "mfa_active": "false", "access_key_1_active": "true"}),
        );
        assert_eq!(report_row(Some(&report), ROOT_ROW)["mfa_active"], json!("true"));
        assert_eq!(report_row(Some(&report), "nobody"), Value::Null);
        assert_eq!(report_row(None, "alice"), Value::Null);
        assert!(parse_credential_report(b"user,arn\nalice\n").is_err(), "short rows are rejected");
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

    #[test]
    fn describes_present_and_absent_password_policies() {
        let absent = password_policy_attributes(None);
        assert_eq!(absent["Exists"], json!(false));
        assert_eq!(absent.as_object().map(|o| o.len()), Some(11));
        assert!(absent.as_object().into_iter().flatten().filter(|(k, _)| *k != "Exists").all(|(_, v)| v.is_null()));
        let policy = PasswordPolicy::builder()
            .minimum_password_length(14)
            .require_symbols(true)
            .require_numbers(true)
            .max_password_age(90)
            .expire_passwords(true)
            .build();
        check(
            password_policy_attributes(Some(&policy)),
            json!({
                "Exists": true, "MinimumPasswordLength": 14, "RequireSymbols": true, "RequireNumbers": true,
                "RequireUppercaseCharacters": false, "RequireLowercaseCharacters": false,
                "AllowUsersToChangePassword": false, "ExpirePasswords": true, "MaxPasswordAge": 90,
                "PasswordReusePrevention": null, "HardExpiry": null,
            }),
        );
    }

    #[test]
    fn describes_the_root_user_from_the_account_summary() {
        let summary = GetAccountSummaryOutput::builder()
            .summary_map(SummaryKeyType::AccountMfaEnabled, 1)
            .summary_map(SummaryKeyType::AccountAccessKeysPresent, 0)
            .summary_map(SummaryKeyType::Users, 3)
            .build();
        check(
            root_attributes(&summary, json!({"user": "<root_account>"})),
            json!({
                "AccountMFAEnabled": true, "AccountAccessKeysPresent": false, "AccountSigningCertificatesPresent": false,
                "SummaryMap": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0, "Users": 3},
                "CredentialReport": {"user": "<root_account>"},
            }),
        );
    }
}
