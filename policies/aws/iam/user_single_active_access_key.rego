# METADATA
# title: Ensure there is only one active access key available for any single IAM user
# description: >-
#   Two active access keys double the long-lived secrets that can leak for one identity, and the
#   second key is often a forgotten leftover of a rotation. A user may have one active access key;
#   the second is only for the short overlap of a rotation. Inactive keys are ignored.
# custom:
#   id: AWS.IAM.User.SingleActiveAccessKey
#   severity: LOW
#   resource_types: [AWS.IAM.User]
#   remediation: >-
#     Find out which key is in use (aws iam get-access-key-last-used), move its users to one key,
#     then deactivate the other (aws iam update-access-key --status Inactive) and delete it once
#     nothing breaks.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#Using_RotateAccessKey
#   compliance:
#     cis-aws-foundations-3.0: ["1.13"]
package palisade.aws.iam.user_single_active_access_key

keys := k if {
	k := object.get(input.attributes, "AccessKeys", [])
	is_array(k)
}

active_keys := [key.AccessKeyId |
	some key in keys
	key.Status == "Active"
]

deny contains msg if {
	count(active_keys) > 1
	msg := sprintf("user %s has %d active access keys (%s)", [input.name, count(active_keys), concat(", ", sort(active_keys))])
}
