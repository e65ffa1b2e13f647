//! The account's password policy (`AWS.IAM.PasswordPolicy`) and root user (`AWS.IAM.RootUser`).

use super::report::{report_row, CredentialReport, ROOT_ROW};
use super::service::{listing_error, present};
use crate::aws::AwsContext;
use crate::CollectError;
use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryOutput;
use aws_sdk_iam::types::PasswordPolicy;
use palisade_model::{Region, Resource};
use serde_json::{json, Map, Value};

pub(super) const PASSWORD_POLICY: &str = "AWS.IAM.PasswordPolicy";
pub(super) const ROOT_USER: &str = "AWS.IAM.RootUser";

pub(super) fn password_policy_id(ctx: &AwsContext) -> String {
    format!("arn:aws:iam::{}:account-password-policy", ctx.account_id().as_str())
}

pub(super) fn root_id(ctx: &AwsContext) -> String {
    format!("arn:aws:iam::{}:root", ctx.account_id().as_str())
}

pub(super) async fn describe_password_policy(
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

pub(super) async fn describe_root(
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

/// The attributes of `AWS.IAM.PasswordPolicy` (`Exists: false` and nulls when the account has
/// none); remediation reads the policy's state in the same shape.
pub fn password_policy_attributes(p: Option<&PasswordPolicy>) -> Value {
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
    use crate::aws::iam::fixtures::check;
    use aws_sdk_iam::types::SummaryKeyType;

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
