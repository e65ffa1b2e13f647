//! The policies attached to or embedded in IAM users, groups and roles, as attributes.

use crate::aws::convert;
use aws_sdk_iam::types::{AttachedPermissionsBoundary, AttachedPolicy};
use serde_json::{json, Value};

/// A group's policies, fetched once per collect and shared by the group and all its members.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct GroupPolicies {
    pub attached: Value,
    pub inline: Value,
}

pub(super) fn attached_policies(policies: &[AttachedPolicy]) -> Value {
    policies
        .iter()
        .map(
            |p| json!({"PolicyName": convert::opt_str(p.policy_name()), "PolicyArn": convert::opt_str(p.policy_arn())}),
        )
        .collect()
}

/// `(name, raw document)` pairs; documents arrive URL-encoded and are decoded to JSON.
pub(super) fn inline_policies(policies: &[(String, String)]) -> Value {
    policies
        .iter()
        .map(|(name, doc)| json!({"PolicyName": name, "PolicyDocument": convert::policy_document(doc)}))
        .collect()
}

pub(super) fn permissions_boundary(boundary: Option<&AttachedPermissionsBoundary>) -> Value {
    match boundary {
        Some(b) => json!({
            "PermissionsBoundaryArn": convert::opt_str(b.permissions_boundary_arn()),
            "PermissionsBoundaryType": convert::opt_str(b.permissions_boundary_type().map(|t| t.as_str())),
        }),
        None => Value::Null,
    }
}
