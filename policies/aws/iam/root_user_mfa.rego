# METADATA
# title: Ensure MFA is enabled for the 'root' user account
# description: >-
#   The root user can do everything in the account, including closing it and changing its
#   contact details, and cannot be restricted by IAM. Its password alone must not be enough to
#   sign in: an MFA device (virtual, FIDO security key or hardware TOTP) must be registered
#   (AccountMFAEnabled in the account summary).
# custom:
#   id: AWS.IAM.RootUser.MFAEnabled
#   severity: CRITICAL
#   resource_types: [AWS.IAM.RootUser]
#   remediation: >-
#     Sign in as the root user, open Security credentials, and assign an MFA device; prefer a FIDO
#     security key or a hardware device kept in a safe, or a virtual device on a dedicated,
#     managed phone rather than someone's personal one. Register a second device as a backup.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.5"]
package palisade.aws.iam.root_user_mfa

deny contains "the root user has no MFA device" if {
	object.get(input.attributes, "AccountMFAEnabled", null) != true
}
