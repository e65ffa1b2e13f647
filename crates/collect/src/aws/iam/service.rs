//! The IAM collector's spec, its account-wide listing, fetch by reference, and the helpers every
//! IAM resource kind shares.

use super::account::{self, PASSWORD_POLICY, ROOT_USER};
use super::report::credential_report;
use super::roles_policies::{self, POLICY, ROLE};
use super::server_certificates::{self, SERVER_CERTIFICATE};
use super::users::{self, GroupCache, GROUP, USER};
use crate::aws::actions::call;
use crate::aws::error::{api_error, error_code};
use crate::aws::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use palisade_model::{Region, Resource, ResourceRef, ScanErrorKind};

pub(super) const SERVICE: &str = "iam";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "iam",
    scope: Scope::Global,
    resource_types: &[USER, GROUP, ROLE, POLICY, SERVER_CERTIFICATE, PASSWORD_POLICY, ROOT_USER],
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
        call("IAM", "ListServerCertificates", "iam:ListServerCertificates"),
        call("IAM", "GetServerCertificate", "iam:GetServerCertificate"),
        call("IAM", "GetAccountPasswordPolicy", "iam:GetAccountPasswordPolicy"),
        call("IAM", "GetAccountSummary", "iam:GetAccountSummary"),
    ],
};

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
    let groups = match users::collect_groups(ctx, &client, out).await {
        Ok(groups) => groups,
        Err(e) => {
            settle(Err(e), &mut failed, out).await?;
            GroupCache::new()
        }
    };
    settle(users::collect_users(ctx, &client, out, &groups, report.as_ref()).await, &mut failed, out).await?;
    settle(roles_policies::collect_roles(ctx, &client, out).await, &mut failed, out).await?;
    settle(roles_policies::collect_policies(ctx, &client, out).await, &mut failed, out).await?;
    settle(server_certificates::collect(ctx, &client, out).await, &mut failed, out).await?;
    emit(out, account::describe_password_policy(ctx, &client).await).await?;
    emit(out, account::describe_root(ctx, &client, report.as_ref()).await).await?;
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
            users::describe_user(ctx, &client, name, &GroupCache::new(), Some(&report)).await
        }
        GROUP => match name_from_arn(id, "group") {
            Some(name) => Ok(users::describe_group(ctx, &client, name).await?.map(|(resource, _)| resource)),
            None => Ok(None),
        },
        ROLE => match name_from_arn(id, "role") {
            Some(name) => roles_policies::describe_role(ctx, &client, name).await,
            None => Ok(None),
        },
        POLICY => roles_policies::describe_policy(ctx, &client, id).await,
        SERVER_CERTIFICATE => match name_from_arn(id, "server-certificate") {
            Some(name) => server_certificates::describe(ctx, &client, name).await,
            None => Ok(None),
        },
        PASSWORD_POLICY if id == account::password_policy_id(ctx) => {
            account::describe_password_policy(ctx, &client).await
        }
        ROOT_USER if id == account::root_id(ctx) => {
            let report = credential_report(&client).await?;
            account::describe_root(ctx, &client, Some(&report)).await
        }
        PASSWORD_POLICY | ROOT_USER => Ok(None),
        other => Err(CollectError::UnsupportedType(other.to_string())),
    }
}

/// Emits one described item: the resource, nothing if it vanished, or its error.
pub(super) async fn emit(out: &Emitter, item: Result<Option<Resource>, CollectError>) -> Result<(), CollectError> {
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
pub(super) fn present<T, E, R>(operation: &str, result: Result<T, SdkError<E, R>>) -> Result<Option<T>, CollectError>
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

pub(super) fn listing_error<E, R>(operation: &str) -> impl FnOnce(SdkError<E, R>) -> CollectError + '_
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |e| api_error(SERVICE, Region::GLOBAL, operation, e)
}

pub(super) fn other_error(operation: &str, message: String) -> CollectError {
    CollectError::Api {
        service: SERVICE.into(),
        region: Region::GLOBAL.into(),
        operation: operation.into(),
        kind: ScanErrorKind::Other,
        message,
    }
}

/// The name in an IAM ARN such as `arn:aws:iam::1:user/division/alice` (`kind` = `user`): the
/// last path segment.
fn name_from_arn<'a>(arn: &'a str, kind: &str) -> Option<&'a str> {
    let (_, resource) = arn.rsplit_once(':')?;
    let path = resource.strip_prefix(kind)?.strip_prefix('/')?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
