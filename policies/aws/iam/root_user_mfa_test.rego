package palisade.aws.iam.root_user_mfa_test

import data.palisade.aws.iam.root_user_mfa as policy

root(mfa) := {"name": "root", "type": "AWS.IAM.RootUser", "attributes": {"AccountMFAEnabled": mfa, "AccountAccessKeysPresent": false}}

test_mfa_enabled_passes if {
	count(policy.deny) == 0 with input as root(true)
}

test_mfa_disabled_fails if {
	policy.deny == {"the root user has no MFA device"} with input as root(false)
}

test_unknown_mfa_state_fails if {
	count(policy.deny) == 1 with input as root(null)
	count(policy.deny) == 1 with input as {"attributes": {}}
}
