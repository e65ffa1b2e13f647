//! The read-only role a source grants Palisade.

use crate::iam_policy::{action_allowed, ManagedPolicy};
use serde_json::{json, Value};

/// The role name the template creates (and `palisade source add` assumes by default).
pub const DEFAULT_ROLE_NAME: &str = "PalisadeReadOnly";

const MANAGED_POLICIES_JSON: &str = include_str!("../../../deploy/aws-managed-policies.json");

/// Calls IAM never denies, so no policy needs to grant them.
pub(crate) const NEEDS_NO_PERMISSION: &[&str] = &["sts:GetCallerIdentity"];

/// SecurityAudit and ViewOnlyAccess, as AWS publishes them.
pub fn managed_policies() -> Vec<ManagedPolicy> {
    let all: Value =
        serde_json::from_str(MANAGED_POLICIES_JSON).expect("deploy/aws-managed-policies.json is valid JSON");
    let mut out = Vec::new();
    if let Some(map) = all.as_object() {
        for (name, p) in map {
            out.push(ManagedPolicy {
                name: name.clone(),
                arn: p.get("Arn").and_then(Value::as_str).unwrap_or_default().to_string(),
                document: p.get("Document").cloned().unwrap_or(Value::Null),
            });
        }
    }
    out
}

pub struct RoleTemplateOptions<'a> {
    /// The account Palisade runs in (trusted to assume the role).
    pub palisade_account_id: &'a str,
    /// The ExternalId the trust policy requires (a template parameter; this is its default).
    pub external_id: &'a str,
    pub role_name: &'a str,
}

/// The CloudFormation template of the read-only role: trust to the Palisade account with an
/// `sts:ExternalId` condition, SecurityAudit and ViewOnlyAccess, and an inline policy with exactly
/// the `actions` those two do not grant.
pub fn role_template(actions: &[&str], opts: &RoleTemplateOptions<'_>) -> Value {
    let managed = managed_policies();
    let documents: Vec<&Value> = managed.iter().map(|m| &m.document).collect();
    let mut extra: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| !NEEDS_NO_PERMISSION.contains(a) && !action_allowed(&documents, a))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    let managed_arns: Vec<Value> = managed
        .iter()
        .map(|m| {
            let suffix = m.arn.trim_start_matches("arn:aws:");
            json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:{suffix}")})
        })
        .collect();
    let mut properties = json!({
        "RoleName": {"Ref": "RoleName"},
        "Description": "Read-only access for Palisade (cloud security posture management)",
        "MaxSessionDuration": 3600,
        "AssumeRolePolicyDocument": trust_policy(),
        "ManagedPolicyArns": managed_arns,
    });
    if !extra.is_empty() {
        properties["Policies"] = json!([{
            "PolicyName": "PalisadeAdditionalReadOnly",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "ReadOnlyCallsNotInManagedPolicies", "Effect": "Allow", "Action": extra, "Resource": "*"}]
            }
        }]);
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Palisade read-only role: lets the Palisade account read this account's configuration (metadata only).",
        "Parameters": role_parameters(opts),
        "Resources": {"PalisadeReadOnlyRole": {"Type": "AWS::IAM::Role", "Properties": properties}},
        "Outputs": {"RoleArn": {"Description": "Give this ARN to Palisade", "Value": {"Fn::GetAtt": ["PalisadeReadOnlyRole", "Arn"]}}}
    })
}

/// The trust policy of every role a source grants Palisade: the Palisade account may assume it
/// only when it presents the ExternalId (both template parameters).
pub(crate) fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${PalisadeAccountId}:root"}},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
        }]
    })
}

/// The parameters of every role template: the Palisade account, the ExternalId, the role name.
pub(crate) fn role_parameters(opts: &RoleTemplateOptions<'_>) -> Value {
    json!({
        "PalisadeAccountId": {
            "Type": "String",
            "Description": "The AWS account Palisade runs in",
            "AllowedPattern": "^[0-9]{12}$",
            "Default": opts.palisade_account_id
        },
        "ExternalId": {
            "Type": "String",
            "Description": "The ExternalId Palisade presents when it assumes the role",
            "MinLength": 2,
            "MaxLength": 1224,
            "Default": opts.external_id
        },
        "RoleName": {"Type": "String", "Default": opts.role_name}
    })
}

/// The console's quick-create link for the role stack, with the parameters filled in. The
/// template must be reachable at `template_url` (an S3 URL the console can read).
pub fn quick_create_url(
    region: &str,
    template_url: &str,
    palisade_account_id: &str,
    external_id: &str,
    role_name: &str,
) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "https://{region}.console.aws.amazon.com/cloudformation/home?region={region}#/stacks/quickcreate?templateURL={}&stackName=Palisade-ReadOnly&param_PalisadeAccountId={}&param_ExternalId={}&param_RoleName={}",
        enc(template_url),
        enc(palisade_account_id),
        enc(external_id),
        enc(role_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(actions: &[&str]) -> Value {
        role_template(
            actions,
            &RoleTemplateOptions {
                palisade_account_id: "111111111111",
                external_id: "ext-1",
                role_name: DEFAULT_ROLE_NAME,
            },
        )
    }

    #[test]
    fn managed_policies_are_security_audit_and_view_only() {
        let names: Vec<String> = managed_policies().into_iter().map(|m| m.name).collect();
        assert_eq!(names, vec!["SecurityAudit", "ViewOnlyAccess"]);
    }

    #[test]
    fn inline_policy_holds_only_what_managed_policies_miss() {
        let t = template(&["s3:GetBucketAcl", "iam:ListUsers", "made-up:ReadThing"]);
        let inline =
            &t["Resources"]["PalisadeReadOnlyRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0];
        assert_eq!(inline["Action"], serde_json::json!(["made-up:ReadThing"]));
        let none = template(&["s3:GetBucketAcl"]);
        assert!(none["Resources"]["PalisadeReadOnlyRole"]["Properties"].get("Policies").is_none());
    }

    #[test]
    fn trust_requires_the_external_id() {
        let t = template(&[]);
        let stmt = &t["Resources"]["PalisadeReadOnlyRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(stmt["Condition"]["StringEquals"]["sts:ExternalId"], serde_json::json!({"Ref": "ExternalId"}));
        assert_eq!(t["Parameters"]["ExternalId"]["Default"], "ext-1");
    }

    #[test]
    fn quick_create_url_encodes_parameters() {
        let url = quick_create_url("us-east-1", "https://b.s3.amazonaws.com/t.json", "111111111111", "a b", "R");
        assert!(url.contains("templateURL=https%3A%2F%2Fb.s3.amazonaws.com%2Ft.json"), "{url}");
        assert!(url.contains("param_ExternalId=a%20b"), "{url}");
    }
}
