//! The remediation actions: their stable ids, what each declares about itself (resource types,
//! parameters, the API calls it makes with their IAM actions), and the dispatch to their code.
//!
//! Every action has two halves over one resource. `plan` says what would change, from the
//! resource's stored attributes alone (no API call). `apply` reads the current state through the
//! API, changes only what is still wrong (so running it twice is harmless), and reads the state
//! back. Both answer an [`Effect`] in the same shape, so a plan and an application compare.

use crate::actions::{cloudtrail, ec2, iam, kms, s3};
use crate::{RemediateError, WriteContext};
use chrono::{DateTime, Utc};
use palisade_collect::aws::ApiCall;
use palisade_model::Resource;
use serde::Serialize;
use serde_json::Value;

/// Remediation parameters (`--param KEY=VALUE`); the names are shared with the policies that
/// read the same setting, so one value judges and fixes alike.
pub type Params = palisade_policy::Params;

/// One SDK operation an action calls, with the IAM action that authorises it.
pub(crate) const fn call(sdk_service: &'static str, operation: &'static str, iam_action: &'static str) -> ApiCall {
    ApiCall { sdk_service, operation, iam_action }
}

/// The call every write context makes to learn its account; IAM never denies it, so the
/// remediation role needs no permission for it.
pub const IDENTITY_CALLS: &[ApiCall] = &[call("STS", "GetCallerIdentity", "sts:GetCallerIdentity")];

/// A parameter an action reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub meaning: &'static str,
    /// The value used when the parameter is not given, as text.
    pub default: &'static str,
}

/// What an action declares about itself.
#[derive(Debug, Serialize)]
pub struct ActionSpec {
    /// Stable id, named by policies' `remediation_id`; never reused for another fix.
    pub id: &'static str,
    pub title: &'static str,
    pub resource_types: &'static [&'static str],
    pub params: &'static [ParamSpec],
    /// Every SDK operation `apply` may call (reads of the state before and after included).
    #[serde(skip)]
    pub calls: &'static [ApiCall],
}

/// What an action did, or would do, to one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// The state the action looked at: the API's answer (apply) or the stored attributes (plan),
    /// in the attributes' shape.
    pub before: Value,
    /// The state read back after the change (apply) or the state planned (plan).
    pub after: Value,
    /// Each change made (or to be made), in words; empty when nothing needed changing.
    pub changes: Vec<String>,
    /// What the action leaves as it is although a policy may still object, and why.
    pub left_alone: Vec<String>,
}

impl Effect {
    pub fn changed(&self) -> bool {
        !self.changes.is_empty()
    }
}

/// Every remediation action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    S3BlockPublicAccess,
    S3DefaultEncryption,
    Ec2RevokeAdminPortIngress,
    IamDeactivateOldAccessKeys,
    IamCisPasswordPolicy,
    KmsEnableKeyRotation,
    Ec2EbsEncryptionByDefault,
    CloudTrailLogFileValidation,
    Ec2RequireImdsv2,
}

impl Action {
    pub const ALL: [Action; 9] = [
        Self::S3BlockPublicAccess,
        Self::S3DefaultEncryption,
        Self::Ec2RevokeAdminPortIngress,
        Self::IamDeactivateOldAccessKeys,
        Self::IamCisPasswordPolicy,
        Self::KmsEnableKeyRotation,
        Self::Ec2EbsEncryptionByDefault,
        Self::CloudTrailLogFileValidation,
        Self::Ec2RequireImdsv2,
    ];

    pub fn spec(self) -> &'static ActionSpec {
        match self {
            Self::S3BlockPublicAccess => &s3::BLOCK_PUBLIC_ACCESS,
            Self::S3DefaultEncryption => &s3::DEFAULT_ENCRYPTION,
            Self::Ec2RevokeAdminPortIngress => &ec2::REVOKE_ADMIN_PORT_INGRESS,
            Self::IamDeactivateOldAccessKeys => &iam::DEACTIVATE_OLD_ACCESS_KEYS,
            Self::IamCisPasswordPolicy => &iam::CIS_PASSWORD_POLICY,
            Self::KmsEnableKeyRotation => &kms::ENABLE_KEY_ROTATION,
            Self::Ec2EbsEncryptionByDefault => &ec2::EBS_ENCRYPTION_BY_DEFAULT,
            Self::CloudTrailLogFileValidation => &cloudtrail::LOG_FILE_VALIDATION,
            Self::Ec2RequireImdsv2 => &ec2::REQUIRE_IMDSV2,
        }
    }

    pub fn id(self) -> &'static str {
        self.spec().id
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    /// What the action would change on `resource`, judged from its stored attributes only.
    pub fn plan(self, resource: &Resource, params: &Params, now: DateTime<Utc>) -> Result<Effect, RemediateError> {
        self.check_type(resource)?;
        match self {
            Self::S3BlockPublicAccess => Ok(s3::plan_block_public_access(resource)),
            Self::S3DefaultEncryption => s3::plan_default_encryption(resource, params),
            Self::Ec2RevokeAdminPortIngress => Ok(ec2::plan_revoke_admin_port_ingress(resource)),
            Self::IamDeactivateOldAccessKeys => iam::plan_deactivate_old_access_keys(resource, params, now),
            Self::IamCisPasswordPolicy => iam::plan_cis_password_policy(resource, params),
            Self::KmsEnableKeyRotation => Ok(kms::plan_enable_key_rotation(resource)),
            Self::Ec2EbsEncryptionByDefault => Ok(ec2::plan_ebs_encryption_by_default(resource)),
            Self::CloudTrailLogFileValidation => Ok(cloudtrail::plan_log_file_validation(resource)),
            Self::Ec2RequireImdsv2 => Ok(ec2::plan_require_imdsv2(resource)),
        }
    }

    /// Fixes `resource` through the API: reads its state, changes only what is still wrong, and
    /// reads the state back.
    pub async fn apply(
        self,
        ctx: &WriteContext,
        resource: &Resource,
        params: &Params,
    ) -> Result<Effect, RemediateError> {
        self.check_type(resource)?;
        match self {
            Self::S3BlockPublicAccess => s3::apply_block_public_access(ctx, resource).await,
            Self::S3DefaultEncryption => s3::apply_default_encryption(ctx, resource, params).await,
            Self::Ec2RevokeAdminPortIngress => ec2::apply_revoke_admin_port_ingress(ctx, resource).await,
            Self::IamDeactivateOldAccessKeys => iam::apply_deactivate_old_access_keys(ctx, resource, params).await,
            Self::IamCisPasswordPolicy => iam::apply_cis_password_policy(ctx, resource, params).await,
            Self::KmsEnableKeyRotation => kms::apply_enable_key_rotation(ctx, resource).await,
            Self::Ec2EbsEncryptionByDefault => ec2::apply_ebs_encryption_by_default(ctx, resource).await,
            Self::CloudTrailLogFileValidation => cloudtrail::apply_log_file_validation(ctx, resource).await,
            Self::Ec2RequireImdsv2 => ec2::apply_require_imdsv2(ctx, resource).await,
        }
    }

    fn check_type(self, resource: &Resource) -> Result<(), RemediateError> {
        if self.spec().resource_types.contains(&resource.resource_type.as_str()) {
            Ok(())
        } else {
            Err(RemediateError::WrongType { action: self.id(), resource_type: resource.resource_type.clone() })
        }
    }
}

/// Every call any action may make.
pub fn all_calls() -> impl Iterator<Item = &'static ApiCall> {
    Action::ALL.into_iter().flat_map(|a| a.spec().calls.iter())
}

/// The IAM actions the remediation role needs for `actions`, sorted, each once.
pub fn required_iam_actions(actions: &[Action]) -> Vec<&'static str> {
    let mut out: Vec<&str> = actions.iter().flat_map(|a| a.spec().calls.iter().map(|c| c.iam_action)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// An integer parameter at least `min`, or its default.
pub(crate) fn int_param(params: &Params, name: &'static str, default: i64, min: i64) -> Result<i64, RemediateError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => match v.as_i64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())) {
            Some(n) if n >= min => Ok(n),
            _ => Err(RemediateError::Param {
                name,
                message: format!("expected a whole number of at least {min}, got {v}"),
            }),
        },
    }
}

/// A non-empty string parameter, if given.
pub(crate) fn str_param<'a>(params: &'a Params, name: &'static str) -> Result<Option<&'a str>, RemediateError> {
    match params.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim())),
        Some(v) => Err(RemediateError::Param { name, message: format!("expected a non-empty string, got {v}") }),
    }
}

/// A string attribute the action needs to address the resource.
pub(crate) fn attr<'a>(resource: &'a Resource, key: &'static str) -> Result<&'a str, RemediateError> {
    resource
        .attributes
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| RemediateError::Attribute { resource: resource.id.to_string(), what: key })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_and_every_action_declares_its_calls() {
        let ids: BTreeSet<&str> = Action::ALL.iter().map(|a| a.id()).collect();
        assert_eq!(ids.len(), Action::ALL.len());
        for a in Action::ALL {
            assert_eq!(Action::from_id(a.id()), Some(a));
            assert!(!a.spec().calls.is_empty(), "{} declares no calls", a.id());
            assert!(!a.spec().resource_types.is_empty(), "{} fixes no type", a.id());
            for c in a.spec().calls {
                let (prefix, name) = c.iam_action.split_once(':').expect("service:Action");
                assert!(!prefix.is_empty() && !name.is_empty(), "{c:?}");
            }
        }
        assert_eq!(Action::from_id("no-such-fix"), None);
    }

    #[test]
    fn the_built_in_pack_names_every_action_and_only_known_ones_on_their_types() {
        let pack = palisade_policy::Pack::builtin().expect("built-in pack");
        let mut named = BTreeSet::new();
        for p in &pack.policies {
            let Some(id) = &p.metadata.remediation_id else { continue };
            let action =
                Action::from_id(id).unwrap_or_else(|| panic!("{} names unknown remediation {id}", p.metadata.id));
            for t in &p.metadata.resource_types {
                assert!(
                    action.spec().resource_types.contains(&t.as_str()),
                    "{} is on {t}, which {id} does not fix",
                    p.metadata.id
                );
            }
            named.insert(action);
        }
        let unnamed: Vec<&str> = Action::ALL.iter().filter(|a| !named.contains(*a)).map(|a| a.id()).collect();
        assert!(unnamed.is_empty(), "no policy names {unnamed:?}");
    }

    #[test]
    fn parameters_are_checked() {
        let mut p = Params::new();
        assert_eq!(int_param(&p, "n", 90, 1).unwrap(), 90);
        p.insert("n".into(), serde_json::json!(30));
        assert_eq!(int_param(&p, "n", 90, 1).unwrap(), 30);
        p.insert("n".into(), serde_json::json!("45"));
        assert_eq!(int_param(&p, "n", 90, 1).unwrap(), 45);
        p.insert("n".into(), serde_json::json!(0));
        assert!(int_param(&p, "n", 90, 1).is_err());
        p.insert("k".into(), serde_json::json!(""));
        assert!(str_param(&p, "k").is_err());
        assert_eq!(str_param(&p, "absent").unwrap(), None);
    }
}
