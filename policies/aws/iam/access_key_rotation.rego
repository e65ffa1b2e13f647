# METADATA
# title: IAM user access keys are rotated within 90 days
# description: >-
#   An active access key older than the threshold (90 days by default; parameter
#   iam_access_key_max_age_days) is long-lived credential exposure. Inactive keys are ignored.
# custom:
#   id: AWS.IAM.AccessKey.Rotation
#   severity: MEDIUM
#   resource_types: [AWS.IAM.User]
#   remediation: >-
#     Create a new access key, move its users to it, then deactivate and delete the old one
#     (aws iam update-access-key --status Inactive, aws iam delete-access-key).
#   remediation_id: iam-deactivate-old-access-keys
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console
#   compliance:
#     cis-aws-foundations-3.0: ["1.14"]
package palisade.aws.iam.access_key_rotation

ns_per_day := ((24 * 60) * 60) * 1000000000

max_age_days := object.get(data.palisade.params, "iam_access_key_max_age_days", 90)

deny contains msg if {
	is_array(input.attributes.AccessKeys)
	some key in input.attributes.AccessKeys
	key.Status == "Active"
	age_days := (data.palisade.now_ns - time.parse_rfc3339_ns(key.CreateDate)) / ns_per_day
	age_days > max_age_days
	msg := sprintf("access key %s of user %s is active and %d days old (limit %d days)", [key.AccessKeyId, input.name, floor(age_days), max_age_days])
}
