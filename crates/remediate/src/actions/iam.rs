//! IAM fixes: deactivating old access keys of a user, and the account password policy.

use crate::action::{attr, call, int_param, ActionSpec, Effect, ParamSpec, Params};
use crate::error::api_error;
use crate::{RemediateError, WriteContext};
use aws_sdk_iam::types::StatusType;
use chrono::{DateTime, Utc};
use palisade_collect::aws::password_policy_attributes;
use palisade_model::Resource;
use serde_json::{json, Value};

pub(crate) const DEACTIVATE_OLD_ACCESS_KEYS: ActionSpec = ActionSpec {
    id: "iam-deactivate-old-access-keys",
    title: "Deactivate the user's active access keys older than N days (they are not deleted)",
    resource_types: &["AWS.IAM.User"],
    params: &[ParamSpec {
        name: MAX_AGE_PARAM,
        meaning: "keys older than this many days are deactivated",
        default: "90",
    }],
    calls: &[
        call("IAM", "ListAccessKeys", "iam:ListAccessKeys"),
        call("IAM", "UpdateAccessKey", "iam:UpdateAccessKey"),
    ],
};

pub(crate) const CIS_PASSWORD_POLICY: ActionSpec = ActionSpec {
    id: "iam-cis-password-policy",
    title: "Set the account password policy to CIS values (minimum length 14, remember 24 passwords), keeping stricter settings",
    resource_types: &["AWS.IAM.PasswordPolicy"],
    params: &[
        ParamSpec { name: MIN_LENGTH_PARAM, meaning: "the minimum password length (6-128)", default: "14" },
        ParamSpec { name: REUSE_PARAM, meaning: "previous passwords remembered (1-24)", default: "24" },
    ],
    calls: &[
        call("IAM", "GetAccountPasswordPolicy", "iam:GetAccountPasswordPolicy"),
        call("IAM", "UpdateAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy"),
    ],
};

// The policies' own parameter names, so a scan and a fix with the same --param agree.
const MAX_AGE_PARAM: &str = "iam_access_key_max_age_days";
const MIN_LENGTH_PARAM: &str = "iam_password_min_length";
const REUSE_PARAM: &str = "iam_password_reuse_prevention";

const SECONDS_PER_DAY: f64 = 86_400.0;

// ---- access keys ----

/// Active keys strictly older than `max_age_days` become inactive, as the rotation policy counts
/// age (fractional days). Inactive keys are left as they are; nothing is deleted.
fn decide_deactivate_old_access_keys(user: &str, keys: &[Value], max_age_days: i64, now: DateTime<Utc>) -> Effect {
    let mut changes = Vec::new();
    let mut left_alone = Vec::new();
    let mut after = Vec::new();
    for key in keys {
        let id = key.get("AccessKeyId").and_then(Value::as_str).unwrap_or("?");
        let mut key_after = key.clone();
        if key.get("Status").and_then(Value::as_str) == Some("Active") {
            let created = key
                .get("CreateDate")
                .and_then(Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc));
            match created {
                Some(created) => {
                    let age_days = (now - created).num_seconds() as f64 / SECONDS_PER_DAY;
                    if age_days > max_age_days as f64 {
                        changes.push(format!(
                            "deactivate access key {id} of user {user} ({} days old, limit {max_age_days})",
                            age_days.floor()
                        ));
                        key_after["Status"] = json!("Inactive");
                    }
                }
                None => left_alone.push(format!("access key {id} has no creation date, so its age is unknown")),
            }
        }
        after.push(key_after);
    }
    Effect {
        before: json!({ "UserName": user, "AccessKeys": keys }),
        after: json!({ "UserName": user, "AccessKeys": after }),
        changes,
        left_alone,
    }
}

/// A key as this action looks at it: id, status and creation date only.
fn key_state(key: &Value) -> Value {
    json!({"AccessKeyId": key.get("AccessKeyId"), "Status": key.get("Status"), "CreateDate": key.get("CreateDate")})
}

pub(crate) fn plan_deactivate_old_access_keys(
    resource: &Resource,
    params: &Params,
    now: DateTime<Utc>,
) -> Result<Effect, RemediateError> {
    let max_age = int_param(params, MAX_AGE_PARAM, 90, 1)?;
    let user = attr(resource, "UserName")?;
    let keys: Vec<Value> = resource
        .attributes
        .get("AccessKeys")
        .and_then(Value::as_array)
        .map(|keys| keys.iter().map(key_state).collect())
        .unwrap_or_default();
    Ok(decide_deactivate_old_access_keys(user, &keys, max_age, now))
}

pub(crate) async fn apply_deactivate_old_access_keys(
    ctx: &WriteContext,
    resource: &Resource,
    params: &Params,
) -> Result<Effect, RemediateError> {
    let max_age = int_param(params, MAX_AGE_PARAM, 90, 1)?;
    let user = attr(resource, "UserName")?;
    let iam = ctx.iam();
    let keys = read_access_keys(&iam, user).await?;
    let mut effect = decide_deactivate_old_access_keys(user, &keys, max_age, Utc::now());
    let old: Vec<&str> = effect.after["AccessKeys"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(&keys)
        .filter(|(after, before)| after["Status"] != before["Status"])
        .filter_map(|(after, _)| after["AccessKeyId"].as_str())
        .collect();
    for key in old {
        iam.update_access_key()
            .user_name(user)
            .access_key_id(key)
            .status(StatusType::Inactive)
            .send()
            .await
            .map_err(|e| api_error("iam", "UpdateAccessKey", format!("access key {key} of user {user}"), e))?;
    }
    effect.after = json!({ "UserName": user, "AccessKeys": read_access_keys(&iam, user).await? });
    Ok(effect)
}

async fn read_access_keys(iam: &aws_sdk_iam::Client, user: &str) -> Result<Vec<Value>, RemediateError> {
    let keys = iam
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| api_error("iam", "ListAccessKeys", format!("user {user}"), e))?;
    Ok(keys
        .iter()
        .map(|k| {
            json!({
                "AccessKeyId": k.access_key_id(),
                "Status": k.status().map(|s| s.as_str()),
                "CreateDate": k.create_date().and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
            })
        })
        .collect())
}

// ---- password policy ----

/// The CIS length and reuse values, each raised only when lower. A policy that did not exist is
/// created requiring all four character classes, so it is no weaker than IAM's default rules
/// (three of the four classes) it replaces; an existing policy keeps its other settings.
fn decide_cis_password_policy(current: &Value, min_length: i64, reuse: i64) -> Effect {
    let exists = current.get("Exists").and_then(Value::as_bool) == Some(true);
    let length = current.get("MinimumPasswordLength").and_then(Value::as_i64);
    let remembered = current.get("PasswordReusePrevention").and_then(Value::as_i64);
    let mut after = current.clone();
    let mut changes = Vec::new();
    if !exists {
        changes.push(
            "create the account password policy (there was none): require uppercase, lowercase, numbers and symbols"
                .to_string(),
        );
        after = json!({
            "Exists": true, "MinimumPasswordLength": null, "RequireSymbols": true, "RequireNumbers": true,
            "RequireUppercaseCharacters": true, "RequireLowercaseCharacters": true,
            "AllowUsersToChangePassword": false, "ExpirePasswords": false, "MaxPasswordAge": null,
            "PasswordReusePrevention": null, "HardExpiry": null,
        });
    }
    if length.is_none_or(|l| l < min_length) {
        changes.push(format!(
            "minimum password length {} -> {min_length}",
            length.map_or("unset".to_string(), |l| l.to_string())
        ));
        after["MinimumPasswordLength"] = json!(min_length);
    }
    if remembered.is_none_or(|r| r < reuse) {
        changes.push(format!(
            "passwords remembered {} -> {reuse}",
            remembered.map_or("none".to_string(), |r| r.to_string())
        ));
        after["PasswordReusePrevention"] = json!(reuse);
    }
    Effect { before: current.clone(), after, changes, left_alone: Vec::new() }
}

fn password_params(params: &Params) -> Result<(i64, i64), RemediateError> {
    let min_length = int_param(params, MIN_LENGTH_PARAM, 14, 6)?;
    let reuse = int_param(params, REUSE_PARAM, 24, 1)?;
    if min_length > 128 {
        return Err(RemediateError::Param { name: MIN_LENGTH_PARAM, message: "IAM allows at most 128".into() });
    }
    if reuse > 24 {
        return Err(RemediateError::Param { name: REUSE_PARAM, message: "IAM remembers at most 24".into() });
    }
    Ok((min_length, reuse))
}

pub(crate) fn plan_cis_password_policy(resource: &Resource, params: &Params) -> Result<Effect, RemediateError> {
    let (min_length, reuse) = password_params(params)?;
    Ok(decide_cis_password_policy(&resource.attributes, min_length, reuse))
}

pub(crate) async fn apply_cis_password_policy(
    ctx: &WriteContext,
    _resource: &Resource,
    params: &Params,
) -> Result<Effect, RemediateError> {
    let (min_length, reuse) = password_params(params)?;
    let iam = ctx.iam();
    let mut effect = decide_cis_password_policy(&read_password_policy(&iam).await?, min_length, reuse);
    if effect.changed() {
        let a = &effect.after;
        let flag = |k: &str| a.get(k).and_then(Value::as_bool);
        let number = |k: &str| a.get(k).and_then(Value::as_i64).map(|n| n as i32);
        // The call replaces the whole policy, so every setting is sent, changed or not.
        iam.update_account_password_policy()
            .set_minimum_password_length(number("MinimumPasswordLength"))
            .set_require_symbols(flag("RequireSymbols"))
            .set_require_numbers(flag("RequireNumbers"))
            .set_require_uppercase_characters(flag("RequireUppercaseCharacters"))
            .set_require_lowercase_characters(flag("RequireLowercaseCharacters"))
            .set_allow_users_to_change_password(flag("AllowUsersToChangePassword"))
            .set_max_password_age(number("MaxPasswordAge").filter(|n| *n > 0))
            .set_password_reuse_prevention(number("PasswordReusePrevention"))
            .set_hard_expiry(flag("HardExpiry"))
            .send()
            .await
            .map_err(|e| api_error("iam", "UpdateAccountPasswordPolicy", "the account password policy", e))?;
    }
    effect.after = read_password_policy(&iam).await?;
    Ok(effect)
}

/// The policy in the attributes' shape (`Exists: false` and nulls when there is none).
async fn read_password_policy(iam: &aws_sdk_iam::Client) -> Result<Value, RemediateError> {
    match iam.get_account_password_policy().send().await {
        Ok(out) => Ok(password_policy_attributes(out.password_policy())),
        Err(e) => {
            let err = api_error("iam", "GetAccountPasswordPolicy", "the account password policy", e);
            if err.code() == Some("NoSuchEntity") {
                Ok(password_policy_attributes(None))
            } else {
                Err(err)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key(id: &str, status: &str, created: &str) -> Value {
        json!({"AccessKeyId": id, "Status": status, "CreateDate": created})
    }

    #[test]
    fn deactivates_only_active_keys_past_the_limit() {
        let now = Utc.with_ymd_and_hms(2030, 6, 1, 0, 0, 0).unwrap();
        let keys = vec![
            key("AKIAOLD", "Active", "2030-01-01T00:00:00Z"),
            key("AKIANEW", "Active", "2030-05-01T00:00:00Z"),
            key("AKIAOFF", "Inactive", "2020-01-01T00:00:00Z"),
            key("AKIAEDGE", "Active", "2030-03-03T00:00:00Z"),
        ];
        let e = decide_deactivate_old_access_keys("alice", &keys, 90, now);
        assert_eq!(e.changes, vec!["deactivate access key AKIAOLD of user alice (151 days old, limit 90)"]);
        let statuses: Vec<&str> =
            e.after["AccessKeys"].as_array().unwrap().iter().map(|k| k["Status"].as_str().unwrap()).collect();
        assert_eq!(statuses, vec!["Inactive", "Active", "Inactive", "Active"], "exactly 90 days is not older");
        let again = decide_deactivate_old_access_keys("alice", e.after["AccessKeys"].as_array().unwrap(), 90, now);
        assert!(!again.changed());
        assert_eq!(decide_deactivate_old_access_keys("alice", &keys, 30, now).changes.len(), 3);
    }

    #[test]
    fn password_policy_reaches_cis_values_without_weakening_anything() {
        let none = password_policy_attributes(None);
        let created = decide_cis_password_policy(&none, 14, 24);
        assert_eq!(created.changes.len(), 3);
        assert_eq!(created.after["MinimumPasswordLength"], 14);
        assert_eq!(created.after["PasswordReusePrevention"], 24);
        assert_eq!(created.after["RequireSymbols"], true);

        let weak = json!({
            "Exists": true, "MinimumPasswordLength": 8, "RequireSymbols": false, "RequireNumbers": true,
            "RequireUppercaseCharacters": false, "RequireLowercaseCharacters": false,
            "AllowUsersToChangePassword": true, "ExpirePasswords": true, "MaxPasswordAge": 60,
            "PasswordReusePrevention": 5, "HardExpiry": false,
        });
        let raised = decide_cis_password_policy(&weak, 14, 24);
        assert_eq!(raised.changes, vec!["minimum password length 8 -> 14", "passwords remembered 5 -> 24"]);
        assert_eq!(raised.after["MaxPasswordAge"], 60, "other settings are kept");
        assert_eq!(raised.after["RequireSymbols"], false);

        let strict = json!({"Exists": true, "MinimumPasswordLength": 20, "PasswordReusePrevention": 24});
        assert!(!decide_cis_password_policy(&strict, 14, 24).changed(), "a stricter length stays");
    }

    #[test]
    fn password_parameters_stay_within_what_iam_accepts() {
        let mut p = Params::new();
        assert_eq!(password_params(&p).unwrap(), (14, 24));
        p.insert(REUSE_PARAM.into(), json!(25));
        assert!(password_params(&p).is_err());
    }
}
