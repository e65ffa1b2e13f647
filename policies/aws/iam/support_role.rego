# METADATA
# title: Ensure a support role has been created to manage incidents with AWS Support
# description: >-
#   During an incident, people need to open and follow AWS Support cases without holding broad
#   administrator rights. The AWS managed policy AWSSupportAccess must be attached to at least one
#   IAM role, which authorized people assume; attaching it only to users or groups does not count.
# custom:
#   id: AWS.Account.SupportRole
#   severity: LOW
#   resource_types: [AWS.Account]
#   remediation: >-
#     Create a role that your incident responders may assume (aws iam create-role with a trust
#     policy naming them) and attach arn:aws:iam::aws:policy/AWSSupportAccess to it (aws iam
#     attach-role-policy).
#   references:
#     - https://docs.aws.amazon.com/awssupport/latest/user/accessing-support.html
#     - https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSupportAccess.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.17"]
package palisade.aws.iam.support_role

default support := {}

support := s if {
	s := object.get(input.attributes, "SupportAccess", null)
	is_object(s)
}

list(key) := object.get(support, key, []) if is_array(object.get(support, key, []))

list(key) := [] if not is_array(object.get(support, key, []))

deny contains "AWSSupportAccess is not attached to any role" if {
	count(list("PolicyRoles")) == 0
	count(list("PolicyUsers")) + count(list("PolicyGroups")) == 0
}

deny contains msg if {
	count(list("PolicyRoles")) == 0
	others := array.concat([u.UserName | some u in list("PolicyUsers")], [g.GroupName | some g in list("PolicyGroups")])
	count(others) > 0
	msg := sprintf("AWSSupportAccess is attached to users or groups (%s) but not to any role", [concat(", ", sort(others))])
}
