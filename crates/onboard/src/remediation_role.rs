//! The remediation role a source grants Palisade for fixes: separate from the read-only role, with
//! the same trust (the Palisade account, with the source's ExternalId) and an inline policy with
//! exactly the actions the enabled remediations call, and no managed policy.

use crate::role::{role_parameters, trust_policy, RoleTemplateOptions, NEEDS_NO_PERMISSION};
use serde_json::{json, Value};

/// The CloudFormation template of the remediation role, granting exactly `actions` (those IAM
/// never denies left out) on every resource.
pub fn remediation_role_template(actions: &[&str], opts: &RoleTemplateOptions<'_>) -> Value {
    let mut granted: Vec<&str> = actions.iter().copied().filter(|a| !NEEDS_NO_PERMISSION.contains(a)).collect();
    granted.sort_unstable();
    granted.dedup();
    let mut properties = json!({
        "RoleName": {"Ref": "RoleName"},
        "Description": "Write access for Palisade's opt-in remediation: only the fixes it was given",
        "MaxSessionDuration": 3600,
        "AssumeRolePolicyDocument": trust_policy(),
    });
    if !granted.is_empty() {
        properties["Policies"] = json!([{
            "PolicyName": "PalisadeRemediation",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "RemediationActions", "Effect": "Allow", "Action": granted, "Resource": "*"}]
            }
        }]);
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Palisade remediation role: lets the Palisade account apply the fixes this account opted in to.",
        "Parameters": role_parameters(opts),
        "Resources": {"PalisadeRemediationRole": {"Type": "AWS::IAM::Role", "Properties": properties}},
        "Outputs": {"RoleArn": {"Description": "The role Palisade assumes to remediate", "Value": {"Fn::GetAtt": ["PalisadeRemediationRole", "Arn"]}}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(actions: &[&str]) -> Value {
        remediation_role_template(
            actions,
            &RoleTemplateOptions { palisade_account_id: "111111111111", external_id: "ext-1", role_name: "Fixer" },
        )
    }

    #[test]
    fn grants_exactly_the_given_actions_and_nothing_managed() {
        let t = template(&["s3:PutBucketPublicAccessBlock", "ec2:RevokeSecurityGroupIngress", "sts:GetCallerIdentity"]);
        let props = &t["Resources"]["PalisadeRemediationRole"]["Properties"];
        let stmt = &props["Policies"][0]["PolicyDocument"]["Statement"][0];
        assert_eq!(stmt["Action"], json!(["ec2:RevokeSecurityGroupIngress", "s3:PutBucketPublicAccessBlock"]));
        assert!(props.get("ManagedPolicyArns").is_none());
        assert!(template(&[])["Resources"]["PalisadeRemediationRole"]["Properties"].get("Policies").is_none());
    }

    #[test]
    fn trust_requires_the_external_id_like_the_read_only_role() {
        let t = template(&[]);
        let stmt = &t["Resources"]["PalisadeRemediationRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(stmt["Condition"]["StringEquals"]["sts:ExternalId"], json!({"Ref": "ExternalId"}));
        assert_eq!(t["Parameters"]["ExternalId"]["Default"], "ext-1");
        assert_eq!(t["Parameters"]["RoleName"]["Default"], "Fixer");
    }
}
