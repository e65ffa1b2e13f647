# METADATA
# title: Ensure IAM password policy prevents password reuse
# description: >-
#   Users who may reuse old passwords cycle back to ones that may already be exposed. The account
#   password policy must remember the last 24 passwords (parameter iam_password_reuse_prevention),
#   the most IAM allows. An account without a password policy allows reuse and fails.
# custom:
#   id: AWS.IAM.PasswordPolicy.ReusePrevention
#   severity: MEDIUM
#   resource_types: [AWS.IAM.PasswordPolicy]
#   remediation: >-
#     aws iam update-account-password-policy --password-reuse-prevention 24 (the command replaces
#     the whole policy, so pass the other settings you want to keep, such as
#     --minimum-password-length 14, in the same call).
#   remediation_id: iam-cis-password-policy
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.9"]
package palisade.aws.iam.password_policy_reuse_prevention

remembered := object.get(data.palisade.params, "iam_password_reuse_prevention", 24)

deny contains msg if {
	input.attributes.Exists == false
	msg := sprintf("the account has no IAM password policy, so passwords may be reused (required: remember %d)", [remembered])
}

deny contains msg if {
	input.attributes.Exists == true
	not is_number(object.get(input.attributes, "PasswordReusePrevention", null))
	msg := sprintf("the IAM password policy does not prevent password reuse (required: remember %d)", [remembered])
}

deny contains msg if {
	input.attributes.Exists == true
	n := input.attributes.PasswordReusePrevention
	is_number(n)
	n < remembered
	msg := sprintf("the IAM password policy remembers %v previous passwords (required %d)", [n, remembered])
}
