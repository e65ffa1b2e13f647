package palisade.aws.iam.root_user_no_access_keys_test

import data.palisade.aws.iam.root_user_no_access_keys as policy

root(present, report) := {"name": "root", "type": "AWS.IAM.RootUser", "attributes": {
	"AccountMFAEnabled": true, "AccountAccessKeysPresent": present,
	"AccountSigningCertificatesPresent": false, "SummaryMap": {}, "CredentialReport": report,
}}

row(key1, key2) := {"user": "<root_account>", "access_key_1_active": key1, "access_key_2_active": key2, "access_key_1_last_rotated": "N/A", "access_key_2_last_rotated": "N/A"}

test_keys_present_fails if {
	policy.deny == {"the root user has access keys"} with input as root(true, row("false", "false"))
}

test_no_keys_passes if {
	count(policy.deny) == 0 with input as root(false, row("false", "false"))
}

test_without_credential_report_summary_decides if {
	count(policy.deny) == 1 with input as root(true, null)
	count(policy.deny) == 0 with input as root(false, null)
}

# The account summary counts inactive keys too; the report shows active ones.
test_active_key_in_report_fails_even_if_summary_disagrees if {
	policy.deny == {"the root user has access keys"} with input as root(false, row("false", "true"))
}

test_na_values_in_report_pass if {
	count(policy.deny) == 0 with input as root(false, row("N/A", "N/A"))
}
