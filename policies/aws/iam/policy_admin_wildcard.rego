# METADATA
# title: Customer-managed IAM policy does not grant full administrative privileges
# description: >-
#   The default version of a customer-managed policy must not contain an Allow statement whose
#   Action is "*" or "*:*" (alone or in a list) on Resource "*". Deny statements are not grants.
#   Unattached policies are flagged too, since attaching one later grants full administrative
#   access; CIS AWS Foundations 1.16 (attached policies only) is backed by
#   AWS.IAM.Policy.AttachedAdminPrivileges.
# custom:
#   id: AWS.IAM.Policy.AdminWildcard
#   severity: HIGH
#   resource_types: [AWS.IAM.Policy]
#   remediation: >-
#     Replace the statement with the specific actions and resources needed, publish it as a new
#     default policy version (aws iam create-policy-version --set-as-default), and delete the old.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
package palisade.aws.iam.policy_admin_wildcard

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
	some i, stmt in statements
	stmt.Effect == "Allow"
	admin_action(stmt)
	any_resource(stmt)
	sid := object.get(stmt, "Sid", sprintf("#%d", [i]))
	msg := sprintf("policy %s allows every action on every resource (statement %s)", [input.name, sid])
}
