# METADATA
# title: Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a console password
# description: >-
#   A console password alone can be phished, guessed or reused from another breach. Every IAM
#   user with a console password (a login profile) must have at least one MFA device assigned.
#   Users without a console password are not affected.
# custom:
#   id: AWS.IAM.User.ConsoleMFA
#   severity: HIGH
#   resource_types: [AWS.IAM.User]
#   remediation: >-
#     Have the user assign an MFA device (IAM console, Security credentials, Assign MFA device;
#     prefer FIDO security keys), or remove the console password if the user does not need it
#     (aws iam delete-login-profile). A policy that denies everything but MFA self-management
#     until aws:MultiFactorAuthPresent is true makes users enrol themselves.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_users-self-manage-mfa-and-creds.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.10"]
package palisade.aws.iam.user_console_mfa

mfa_devices := object.get(input.attributes, "MFADevices", [])

deny contains msg if {
	object.get(input.attributes, "LoginProfile", null) != null
	not has_mfa
	msg := sprintf("user %s has a console password and no MFA device", [input.name])
}

has_mfa if {
	is_array(mfa_devices)
	count(mfa_devices) > 0
}
