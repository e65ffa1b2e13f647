# METADATA
# title: Ensure no 'root' user account access key exists
# description: >-
#   Access keys of the root user give programmatic, unrestricted and unrestrictable access to the
#   whole account; they cannot be limited by IAM policies or permission boundaries. The root user
#   must have no access keys, active or inactive (AccountAccessKeysPresent in the account summary;
#   the credential report's root row is checked as well).
# custom:
#   id: AWS.IAM.RootUser.NoAccessKeys
#   severity: CRITICAL
#   resource_types: [AWS.IAM.RootUser]
#   remediation: >-
#     Sign in as the root user, open Security credentials, and delete every access key (deactivate
#     it first if you need to find out what still uses it). Give automation an IAM role or a
#     least-privilege IAM user instead.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html
#     - https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountSummary.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.4"]
package palisade.aws.iam.root_user_no_access_keys

default report := {}

report := r if {
	r := object.get(input.attributes, "CredentialReport", null)
	is_object(r)
}

deny contains "the root user has access keys" if {
	input.attributes.AccountAccessKeysPresent == true
}

deny contains "the root user has access keys" if {
	some n in ["1", "2"]
	object.get(report, sprintf("access_key_%s_active", [n]), "false") == "true"
}
