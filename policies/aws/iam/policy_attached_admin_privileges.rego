# METADATA
# title: Ensure IAM policies that allow full "*:*" administrative privileges are not attached
# description: >-
#   A policy that allows every action on every resource makes whoever holds it an administrator,
#   far beyond least privilege. No customer-managed policy attached to a user, group or role may
#   have, in its default version, an Allow statement with Action "*" or "*:*" on Resource "*".
#   Unattached policies are not evaluated here (AWS.IAM.Policy.AdminWildcard flags them); AWS
#   managed policies such as AdministratorAccess are not collected as AWS.IAM.Policy and are not
#   evaluated.
# custom:
#   id: AWS.IAM.Policy.AttachedAdminPrivileges
#   severity: HIGH
#   resource_types: [AWS.IAM.Policy]
#   remediation: >-
#     List who uses the policy (aws iam list-entities-for-policy), give them policies with only
#     the actions and resources they need, then detach this one (aws iam detach-user-policy,
#     detach-group-policy, detach-role-policy) or publish a narrower default version.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.16"]
package palisade.aws.iam.policy_attached_admin_privileges

default applies := true

applies := false if input.attributes.AttachmentCount == 0

as_list(x) := x if is_array(x)

as_list(x) := [x] if not is_array(x)

statements := as_list(input.attributes.DefaultVersion.Document.Statement)

admin_action(stmt) if {
	some action in as_list(stmt.Action)
	action in {"*", "*:*"}
}

any_resource(stmt) if {
	some resource in as_list(stmt.Resource)
	resource == "*"
}

deny contains msg if {
	applies
	some i, stmt in statements
	stmt.Effect == "Allow"
	admin_action(stmt)
	any_resource(stmt)
	sid := object.get(stmt, "Sid", sprintf("#%d", [i]))
	msg := sprintf("policy %s is attached to %v identities and allows every action on every resource (statement %s)", [input.name, input.attributes.AttachmentCount, sid])
}
