//! IAM events: users, groups, roles, customer-managed policies, server certificates, the password
//! policy and the root user, plus `AWS.Account` when the AWSSupportAccess policy is attached or
//! detached. IAM is global: every resource is in region `global`, in the partition of the region
//! CloudTrail logged the event in.
//!
//! Most events name an entity by name only, while the collector's id is its ARN, which holds the
//! entity's path (`arn:aws:iam::{account}:user/division/alice`). Where the response does not hold
//! the ARN, the rules build it without a path: IAM's fetch resolves users, groups, roles and
//! certificates by the ARN's last segment, and the engine matches a stored resource by name when
//! the id differs.

use super::account::support_account;
use super::locate::{arn_part, first, missing, Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn::partition;

const IAM: &str = "iam.amazonaws.com";

const USER: &str = "AWS.IAM.User";
const GROUP: &str = "AWS.IAM.Group";
const ROLE: &str = "AWS.IAM.Role";
const POLICY: &str = "AWS.IAM.Policy";
const SERVER_CERTIFICATE: &str = "AWS.IAM.ServerCertificate";
const PASSWORD_POLICY: &str = "AWS.IAM.PasswordPolicy";
const ROOT_USER: &str = "AWS.IAM.RootUser";
const ACCOUNT: &str = "AWS.Account";

const USER_NAME: Locator = Locator::refs(user_name, "`requestParameters.userName` (ARN without path)");
const NEW_USER: Locator = Locator::refs(new_user, "`responseElements.user.arn`, else `requestParameters.userName`");
const RENAMED_USER: Locator =
    Locator::refs(renamed_user, "`requestParameters.userName` and `newUserName` (the old name and the new)");
const CREDENTIAL_USER: Locator = Locator::refs(
    credential_user,
    "`requestParameters.userName`, else `responseElements.accessKey.userName`, else the calling IAM user; none \
     when the caller is root",
);
const CREDENTIAL_ROOT: Locator =
    Locator::refs(credential_root, "the root user, when it is the caller and the request names no `userName`");
const GROUP_NAME: Locator = Locator::refs(group_name, "`requestParameters.groupName` (ARN without path)");
const NEW_GROUP: Locator = Locator::refs(new_group, "`responseElements.group.arn`, else `requestParameters.groupName`");
const RENAMED_GROUP: Locator =
    Locator::refs(renamed_group, "`requestParameters.groupName` and `newGroupName` (the old name and the new)");
const ROLE_NAME: Locator = Locator::refs(role_name, "`requestParameters.roleName` (ARN without path)");
const NEW_ROLE: Locator = Locator::refs(new_role, "`responseElements.role.arn`, else `requestParameters.roleName`");
const POLICY_ARN: Locator = Locator::refs(policy_arn, "`requestParameters.policyArn`");
const NEW_POLICY: Locator = Locator::refs(new_policy, "`responseElements.policy.arn`");
const ATTACHED_POLICY: Locator = Locator::refs(
    attached_policy,
    "`requestParameters.policyArn` when it is a customer-managed policy of the account (its `AttachmentCount` \
     changes); AWS-managed policies are not collected",
);
const CERTIFICATE_NAME: Locator =
    Locator::refs(certificate_name, "`requestParameters.serverCertificateName` (ARN without path)");
const NEW_CERTIFICATE: Locator = Locator::refs(
    new_certificate,
    "`responseElements.serverCertificateMetadata.arn`, else `requestParameters.serverCertificateName`",
);
const RENAMED_CERTIFICATE: Locator = Locator::refs(
    renamed_certificate,
    "`requestParameters.serverCertificateName` and `newServerCertificateName` (the old name and the new)",
);
const PASSWORD_POLICY_SINGLETON: Locator =
    Locator::refs(password_policy, "the account's one resource, `arn:aws:iam::{account}:account-password-policy`");
const SUPPORT_ACCOUNT: Locator = Locator::refs(
    support_account_if_attached,
    "the account's `AWS.Account`, when `requestParameters.policyArn` is the AWSSupportAccess managed policy",
);

pub(super) const RULES: &[EventRule] = &[
    // Users, and what their records embed: keys, MFA, login profile, policies, groups.
    rule(IAM, "CreateUser", USER, Create, NEW_USER),
    rule(IAM, "DeleteUser", USER, Delete, USER_NAME),
    rule(IAM, "UpdateUser", USER, Modify, RENAMED_USER),
    rule(IAM, "TagUser", USER, Modify, USER_NAME),
    rule(IAM, "UntagUser", USER, Modify, USER_NAME),
    rule(IAM, "CreateAccessKey", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "UpdateAccessKey", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "DeleteAccessKey", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "EnableMFADevice", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "DeactivateMFADevice", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "CreateLoginProfile", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "UpdateLoginProfile", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "DeleteLoginProfile", USER, Modify, CREDENTIAL_USER),
    rule(IAM, "PutUserPolicy", USER, Modify, USER_NAME),
    rule(IAM, "DeleteUserPolicy", USER, Modify, USER_NAME),
    rule(IAM, "AttachUserPolicy", USER, Modify, USER_NAME),
    rule(IAM, "DetachUserPolicy", USER, Modify, USER_NAME),
    rule(IAM, "PutUserPermissionsBoundary", USER, Modify, USER_NAME),
    rule(IAM, "DeleteUserPermissionsBoundary", USER, Modify, USER_NAME),
    rule(IAM, "AddUserToGroup", USER, Modify, USER_NAME),
    rule(IAM, "RemoveUserFromGroup", USER, Modify, USER_NAME),
    // The root user's keys and MFA (its record reads the account summary and credential report).
    rule(IAM, "CreateAccessKey", ROOT_USER, Modify, CREDENTIAL_ROOT),
    rule(IAM, "UpdateAccessKey", ROOT_USER, Modify, CREDENTIAL_ROOT),
    rule(IAM, "DeleteAccessKey", ROOT_USER, Modify, CREDENTIAL_ROOT),
    rule(IAM, "EnableMFADevice", ROOT_USER, Modify, CREDENTIAL_ROOT),
    rule(IAM, "DeactivateMFADevice", ROOT_USER, Modify, CREDENTIAL_ROOT),
    // Groups, whose records list their members.
    rule(IAM, "CreateGroup", GROUP, Create, NEW_GROUP),
    rule(IAM, "DeleteGroup", GROUP, Delete, GROUP_NAME),
    rule(IAM, "UpdateGroup", GROUP, Modify, RENAMED_GROUP),
    rule(IAM, "PutGroupPolicy", GROUP, Modify, GROUP_NAME),
    rule(IAM, "DeleteGroupPolicy", GROUP, Modify, GROUP_NAME),
    rule(IAM, "AttachGroupPolicy", GROUP, Modify, GROUP_NAME),
    rule(IAM, "DetachGroupPolicy", GROUP, Modify, GROUP_NAME),
    rule(IAM, "AddUserToGroup", GROUP, Modify, GROUP_NAME),
    rule(IAM, "RemoveUserFromGroup", GROUP, Modify, GROUP_NAME),
    // Roles.
    rule(IAM, "CreateRole", ROLE, Create, NEW_ROLE),
    rule(IAM, "CreateServiceLinkedRole", ROLE, Create, NEW_ROLE),
    rule(IAM, "DeleteRole", ROLE, Delete, ROLE_NAME),
    rule(IAM, "DeleteServiceLinkedRole", ROLE, Delete, ROLE_NAME),
    rule(IAM, "UpdateRole", ROLE, Modify, ROLE_NAME),
    rule(IAM, "UpdateRoleDescription", ROLE, Modify, ROLE_NAME),
    rule(IAM, "UpdateAssumeRolePolicy", ROLE, Modify, ROLE_NAME),
    rule(IAM, "PutRolePolicy", ROLE, Modify, ROLE_NAME),
    rule(IAM, "DeleteRolePolicy", ROLE, Modify, ROLE_NAME),
    rule(IAM, "AttachRolePolicy", ROLE, Modify, ROLE_NAME),
    rule(IAM, "DetachRolePolicy", ROLE, Modify, ROLE_NAME),
    rule(IAM, "PutRolePermissionsBoundary", ROLE, Modify, ROLE_NAME),
    rule(IAM, "DeleteRolePermissionsBoundary", ROLE, Modify, ROLE_NAME),
    rule(IAM, "TagRole", ROLE, Modify, ROLE_NAME),
    rule(IAM, "UntagRole", ROLE, Modify, ROLE_NAME),
    // Customer-managed policies.
    rule(IAM, "CreatePolicy", POLICY, Create, NEW_POLICY),
    rule(IAM, "DeletePolicy", POLICY, Delete, POLICY_ARN),
    rule(IAM, "CreatePolicyVersion", POLICY, Modify, POLICY_ARN),
    rule(IAM, "DeletePolicyVersion", POLICY, Modify, POLICY_ARN),
    rule(IAM, "SetDefaultPolicyVersion", POLICY, Modify, POLICY_ARN),
    rule(IAM, "TagPolicy", POLICY, Modify, POLICY_ARN),
    rule(IAM, "UntagPolicy", POLICY, Modify, POLICY_ARN),
    rule(IAM, "AttachUserPolicy", POLICY, Modify, ATTACHED_POLICY),
    rule(IAM, "DetachUserPolicy", POLICY, Modify, ATTACHED_POLICY),
    rule(IAM, "AttachGroupPolicy", POLICY, Modify, ATTACHED_POLICY),
    rule(IAM, "DetachGroupPolicy", POLICY, Modify, ATTACHED_POLICY),
    rule(IAM, "AttachRolePolicy", POLICY, Modify, ATTACHED_POLICY),
    rule(IAM, "DetachRolePolicy", POLICY, Modify, ATTACHED_POLICY),
    // Server certificates.
    rule(IAM, "UploadServerCertificate", SERVER_CERTIFICATE, Create, NEW_CERTIFICATE),
    rule(IAM, "DeleteServerCertificate", SERVER_CERTIFICATE, Delete, CERTIFICATE_NAME),
    rule(IAM, "UpdateServerCertificate", SERVER_CERTIFICATE, Modify, RENAMED_CERTIFICATE),
    rule(IAM, "TagServerCertificate", SERVER_CERTIFICATE, Modify, CERTIFICATE_NAME),
    rule(IAM, "UntagServerCertificate", SERVER_CERTIFICATE, Modify, CERTIFICATE_NAME),
    // The password policy.
    rule(IAM, "UpdateAccountPasswordPolicy", PASSWORD_POLICY, Modify, PASSWORD_POLICY_SINGLETON),
    rule(IAM, "DeleteAccountPasswordPolicy", PASSWORD_POLICY, Modify, PASSWORD_POLICY_SINGLETON),
    // Who holds AWSSupportAccess (CIS 1.17).
    rule(IAM, "AttachUserPolicy", ACCOUNT, Modify, SUPPORT_ACCOUNT),
    rule(IAM, "DetachUserPolicy", ACCOUNT, Modify, SUPPORT_ACCOUNT),
    rule(IAM, "AttachGroupPolicy", ACCOUNT, Modify, SUPPORT_ACCOUNT),
    rule(IAM, "DetachGroupPolicy", ACCOUNT, Modify, SUPPORT_ACCOUNT),
    rule(IAM, "AttachRolePolicy", ACCOUNT, Modify, SUPPORT_ACCOUNT),
    rule(IAM, "DetachRolePolicy", ACCOUNT, Modify, SUPPORT_ACCOUNT),
];

/// `arn:{partition}:iam::{account}:{kind}/{name}`, the ARN of an entity at path `/`.
fn pathless(ev: &ApiCallEvent, kind: &str, name: &str) -> Located {
    Located::global(format!("arn:{}:iam::{}:{kind}/{name}", partition(&ev.region), ev.account_id))
}

/// The entity named by `requestParameters.{key}`.
fn named(ev: &ApiCallEvent, key: &str, kind: &str) -> Found {
    let name = first(&ev.request_parameters, &[key]).ok_or_else(|| missing(&format!("requestParameters.{key}")))?;
    Ok(vec![pathless(ev, kind, name)])
}

/// The ARN the response holds (exact, path included), else the entity the request names.
fn created(ev: &ApiCallEvent, response_arn: &str, key: &str, kind: &str) -> Found {
    match first(&ev.response_elements, &[response_arn]) {
        Some(arn) => Ok(vec![Located::global(arn.to_string())]),
        None => named(ev, key, kind),
    }
}

/// The entity before and after a rename (the new name only when it changes).
fn renamed(ev: &ApiCallEvent, key: &str, new_key: &str, kind: &str) -> Found {
    let mut found = named(ev, key, kind)?;
    if let Some(new_name) = first(&ev.request_parameters, &[new_key]) {
        let new = pathless(ev, kind, new_name);
        if !found.contains(&new) {
            found.push(new);
        }
    }
    Ok(found)
}

fn user_name(ev: &ApiCallEvent) -> Found {
    named(ev, "userName", "user")
}
fn new_user(ev: &ApiCallEvent) -> Found {
    created(ev, "user.arn", "userName", "user")
}
fn renamed_user(ev: &ApiCallEvent) -> Found {
    renamed(ev, "userName", "newUserName", "user")
}
fn group_name(ev: &ApiCallEvent) -> Found {
    named(ev, "groupName", "group")
}
fn new_group(ev: &ApiCallEvent) -> Found {
    created(ev, "group.arn", "groupName", "group")
}
fn renamed_group(ev: &ApiCallEvent) -> Found {
    renamed(ev, "groupName", "newGroupName", "group")
}
fn role_name(ev: &ApiCallEvent) -> Found {
    named(ev, "roleName", "role")
}
fn new_role(ev: &ApiCallEvent) -> Found {
    created(ev, "role.arn", "roleName", "role")
}
fn certificate_name(ev: &ApiCallEvent) -> Found {
    named(ev, "serverCertificateName", "server-certificate")
}
fn new_certificate(ev: &ApiCallEvent) -> Found {
    created(ev, "serverCertificateMetadata.arn", "serverCertificateName", "server-certificate")
}
fn renamed_certificate(ev: &ApiCallEvent) -> Found {
    renamed(ev, "serverCertificateName", "newServerCertificateName", "server-certificate")
}

/// Who an access key, MFA device or login profile call acts on when it names no user.
enum Subject<'a> {
    /// An IAM user, by name (ARN built without path) or by the caller's exact ARN.
    User(Located),
    Root,
    Unknown(&'a str),
}

fn subject(ev: &ApiCallEvent) -> Subject<'_> {
    if let Some(name) = first(&ev.request_parameters, &["userName"]) {
        return Subject::User(pathless(ev, "user", name));
    }
    let caller = ev.caller_arn.as_deref().unwrap_or_default();
    let same_account = arn_part(caller, 4) == Some(ev.account_id.as_str());
    if same_account && caller.ends_with(":root") {
        return Subject::Root;
    }
    if let Some(name) = first(&ev.response_elements, &["accessKey.userName"]) {
        return Subject::User(pathless(ev, "user", name));
    }
    if same_account && arn_part(caller, 2) == Some("iam") && caller.contains(":user/") {
        return Subject::User(Located::global(caller.to_string()));
    }
    Subject::Unknown(caller)
}

fn credential_user(ev: &ApiCallEvent) -> Found {
    match subject(ev) {
        Subject::User(user) => Ok(vec![user]),
        Subject::Root => Ok(Vec::new()),
        Subject::Unknown(caller) => Err(format!(
            "requestParameters.userName is missing and the caller ({}) is not an IAM user or root of the account",
            if caller.is_empty() { "unknown" } else { caller }
        )),
    }
}

fn credential_root(ev: &ApiCallEvent) -> Found {
    match subject(ev) {
        // The IAM collector's id, `arn:aws:` in every partition (see `iam/account.rs`).
        Subject::Root => Ok(vec![Located::global(format!("arn:aws:iam::{}:root", ev.account_id))]),
        Subject::User(_) | Subject::Unknown(_) => Ok(Vec::new()),
    }
}

fn policy_arn(ev: &ApiCallEvent) -> Found {
    let arn = first(&ev.request_parameters, &["policyArn"]).ok_or_else(|| missing("requestParameters.policyArn"))?;
    Ok(vec![Located::global(arn.to_string())])
}

fn new_policy(ev: &ApiCallEvent) -> Found {
    let arn = first(&ev.response_elements, &["policy.arn"]).ok_or_else(|| missing("responseElements.policy.arn"))?;
    Ok(vec![Located::global(arn.to_string())])
}

fn attached_policy(ev: &ApiCallEvent) -> Found {
    let arn = first(&ev.request_parameters, &["policyArn"]).ok_or_else(|| missing("requestParameters.policyArn"))?;
    // AWS-managed policies carry `aws` where the account goes.
    if arn_part(arn, 4) == Some(ev.account_id.as_str()) {
        Ok(vec![Located::global(arn.to_string())])
    } else {
        Ok(Vec::new())
    }
}

fn password_policy(ev: &ApiCallEvent) -> Found {
    // The IAM collector's id, `arn:aws:` in every partition (see `iam/account.rs`).
    Ok(vec![Located::global(format!("arn:aws:iam::{}:account-password-policy", ev.account_id))])
}

fn support_account_if_attached(ev: &ApiCallEvent) -> Found {
    let arn = first(&ev.request_parameters, &["policyArn"]).unwrap_or_default();
    if arn.starts_with("arn:") && arn.ends_with(":iam::aws:policy/AWSSupportAccess") {
        Ok(vec![support_account(ev)])
    } else {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, region, unresolvable};
    use serde_json::json;

    #[test]
    fn a_created_user_has_the_exact_arn_from_the_response() {
        check(&fixture("iam_create_user.json"), &[(USER, "global", "arn:aws:iam::111122223333:user/division/alice")]);
    }

    #[test]
    fn a_user_named_by_name_gets_an_arn_the_collector_resolves() {
        check(&fixture("iam_delete_user.json"), &[(USER, "global", "arn:aws:iam::111122223333:user/bob")]);
        let mut china = event(IAM, "TagUser", json!({"userName": "bob", "tags": []}), json!(null));
        china.region = region("cn-north-1");
        check(&china, &[(USER, "global", "arn:aws-cn:iam::111122223333:user/bob")]);
    }

    #[test]
    fn attaching_a_customer_policy_rescans_user_and_policy() {
        check(
            &fixture("iam_attach_user_policy.json"),
            &[
                (USER, "global", "arn:aws:iam::111122223333:user/carol"),
                (POLICY, "global", "arn:aws:iam::111122223333:policy/team/ReadOnlyReports"),
            ],
        );
    }

    #[test]
    fn attaching_support_access_rescans_role_and_account_but_not_the_managed_policy() {
        check(
            &fixture("iam_attach_role_policy_support.json"),
            &[
                (ROLE, "global", "arn:aws:iam::111122223333:role/SupportTeam"),
                (ACCOUNT, "global", "arn:aws:iam::111122223333:account"),
            ],
        );
        let other = event(
            IAM,
            "DetachRolePolicy",
            json!({"roleName": "r", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
            json!(null),
        );
        check(&other, &[(ROLE, "global", "arn:aws:iam::111122223333:role/r")]);
    }

    #[test]
    fn group_membership_rescans_user_and_group() {
        let e = event(IAM, "AddUserToGroup", json!({"groupName": "admins", "userName": "dave"}), json!(null));
        check(
            &e,
            &[
                (GROUP, "global", "arn:aws:iam::111122223333:group/admins"),
                (USER, "global", "arn:aws:iam::111122223333:user/dave"),
            ],
        );
    }

    #[test]
    fn renames_rescan_the_old_and_the_new_name() {
        let e = event(IAM, "UpdateUser", json!({"userName": "erin", "newUserName": "erin.s"}), json!(null));
        check(
            &e,
            &[
                (USER, "global", "arn:aws:iam::111122223333:user/erin"),
                (USER, "global", "arn:aws:iam::111122223333:user/erin.s"),
            ],
        );
        let moved = event(IAM, "UpdateUser", json!({"userName": "erin", "newPath": "/ops/"}), json!(null));
        check(&moved, &[(USER, "global", "arn:aws:iam::111122223333:user/erin")]);
    }

    #[test]
    fn a_root_access_key_rescans_the_root_user() {
        check(&fixture("iam_create_access_key_root.json"), &[(ROOT_USER, "global", "arn:aws:iam::111122223333:root")]);
    }

    #[test]
    fn a_key_without_user_name_belongs_to_the_caller() {
        let mut own = event(IAM, "DeleteAccessKey", json!({"accessKeyId": "AKIA1"}), json!(null));
        own.caller_arn = Some("arn:aws:iam::111122223333:user/ops/frank".into());
        check(&own, &[(USER, "global", "arn:aws:iam::111122223333:user/ops/frank")]);
        let mut created =
            event(IAM, "CreateAccessKey", json!(null), json!({"accessKey": {"userName": "gina", "status": "Active"}}));
        created.caller_arn = Some("arn:aws:sts::111122223333:assumed-role/Admin/x".into());
        check(&created, &[(USER, "global", "arn:aws:iam::111122223333:user/gina")]);
        let mut role =
            event(IAM, "UpdateAccessKey", json!({"accessKeyId": "AKIA1", "status": "Inactive"}), json!(null));
        role.caller_arn = Some("arn:aws:sts::111122223333:assumed-role/Admin/x".into());
        assert!(unresolvable(&role).contains("assumed-role/Admin/x"), "{}", unresolvable(&role));
        // Root of another account does not make this account's root the subject.
        let mut foreign = event(IAM, "DeleteAccessKey", json!({"accessKeyId": "AKIA1"}), json!(null));
        foreign.caller_arn = Some("arn:aws:iam::999999999999:root".into());
        assert!(unresolvable(&foreign).contains("999999999999"));
    }

    #[test]
    fn policies_certificates_and_the_password_policy() {
        let version = event(
            IAM,
            "CreatePolicyVersion",
            json!({"policyArn": "arn:aws:iam::111122223333:policy/p", "setAsDefault": true}),
            json!({"policyVersion": {"versionId": "v2"}}),
        );
        check(&version, &[(POLICY, "global", "arn:aws:iam::111122223333:policy/p")]);
        let created = event(
            IAM,
            "CreatePolicy",
            json!({"policyName": "p", "path": "/x/"}),
            json!({"policy": {"arn": "arn:aws:iam::111122223333:policy/x/p"}}),
        );
        check(&created, &[(POLICY, "global", "arn:aws:iam::111122223333:policy/x/p")]);
        let cert = event(
            IAM,
            "UploadServerCertificate",
            json!({"serverCertificateName": "www", "path": "/cloudfront/"}),
            json!({"serverCertificateMetadata": {"arn": "arn:aws:iam::111122223333:server-certificate/cloudfront/www"}}),
        );
        check(&cert, &[(SERVER_CERTIFICATE, "global", "arn:aws:iam::111122223333:server-certificate/cloudfront/www")]);
        let deleted = event(IAM, "DeleteServerCertificate", json!({"serverCertificateName": "old"}), json!(null));
        check(&deleted, &[(SERVER_CERTIFICATE, "global", "arn:aws:iam::111122223333:server-certificate/old")]);
        check(
            &fixture("iam_update_account_password_policy.json"),
            &[(PASSWORD_POLICY, "global", "arn:aws:iam::111122223333:account-password-policy")],
        );
    }

    #[test]
    fn events_missing_their_names_are_unresolvable() {
        let e = event(IAM, "PutRolePolicy", json!({"policyName": "inline"}), json!(null));
        assert_eq!(unresolvable(&e), "requestParameters.roleName is missing");
        let e = event(IAM, "CreatePolicy", json!({"policyName": "p"}), json!(null));
        assert_eq!(unresolvable(&e), "responseElements.policy.arn is missing");
    }
}
