# METADATA
# title: Ensure IAM Users Receive Permissions Only Through Groups
# description: >-
#   Permissions granted to users one by one drift apart and are hard to review; granting them
#   through groups that match job functions keeps them in one layer. A user must have no managed
#   policy attached directly and no inline policy; group memberships are fine.
# custom:
#   id: AWS.IAM.User.PermissionsThroughGroups
#   severity: LOW
#   resource_types: [AWS.IAM.User]
#   remediation: >-
#     Put the user in a group that carries the permissions it needs (aws iam add-user-to-group),
#     then detach the user's managed policies (aws iam detach-user-policy) and delete its inline
#     policies (aws iam delete-user-policy). Prefer roles with federation over IAM users at all.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups_manage_attach-policy.html
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.15"]
package palisade.aws.iam.user_permissions_through_groups

names(key) := sort([p.PolicyName | some p in object.get(input.attributes, key, [])]) if {
	is_array(object.get(input.attributes, key, []))
}

deny contains msg if {
	attached := names("AttachedPolicies")
	count(attached) > 0
	msg := sprintf("user %s has managed policies attached directly: %s", [input.name, concat(", ", attached)])
}

deny contains msg if {
	inline := names("InlinePolicies")
	count(inline) > 0
	msg := sprintf("user %s has inline policies: %s", [input.name, concat(", ", inline)])
}
