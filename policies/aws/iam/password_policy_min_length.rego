# METADATA
# title: Ensure IAM password policy requires minimum length of 14 or greater
# description: >-
#   Long passwords resist guessing and brute force far better than complex short ones. The
#   account password policy must require at least 14 characters (parameter
#   iam_password_min_length). An account without a password policy uses IAM's default of 8
#   characters and fails.
# custom:
#   id: AWS.IAM.PasswordPolicy.MinimumLength
#   severity: MEDIUM
#   resource_types: [AWS.IAM.PasswordPolicy]
#   remediation: >-
#     aws iam update-account-password-policy --minimum-password-length 14 (the command replaces
#     the whole policy, so pass the other settings you want to keep, such as
#     --password-reuse-prevention 24, in the same call).
#   remediation_id: iam-cis-password-policy
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.8"]
package palisade.aws.iam.password_policy_min_length

min_length := object.get(data.palisade.params, "iam_password_min_length", 14)

deny contains msg if {
	input.attributes.Exists == false
	msg := sprintf("the account has no IAM password policy (minimum length defaults to 8, required %d)", [min_length])
}

deny contains msg if {
	input.attributes.Exists == true
	not is_number(object.get(input.attributes, "MinimumPasswordLength", null))
	msg := sprintf("the IAM password policy sets no minimum length (required %d)", [min_length])
}

deny contains msg if {
	input.attributes.Exists == true
	length := input.attributes.MinimumPasswordLength
	is_number(length)
	length < min_length
	msg := sprintf("the IAM password policy requires %v characters (required %d)", [length, min_length])
}
