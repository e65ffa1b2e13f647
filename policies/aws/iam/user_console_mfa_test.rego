package palisade.aws.iam.user_console_mfa_test

import data.palisade.aws.iam.user_console_mfa as policy

profile := {"CreateDate": "2024-01-01T00:00:00Z", "PasswordResetRequired": false}

device := {"SerialNumber": "arn:aws:iam::111122223333:mfa/alice", "EnableDate": "2024-01-02T00:00:00Z"}

user(login, devices) := {"name": "alice", "type": "AWS.IAM.User", "attributes": {"UserName": "alice", "LoginProfile": login, "MFADevices": devices, "CredentialReport": null}}

test_console_user_without_mfa_fails if {
	policy.deny == {"user alice has a console password and no MFA device"} with input as user(profile, [])
}

test_console_user_with_mfa_passes if {
	count(policy.deny) == 0 with input as user(profile, [device])
}

test_api_only_user_without_mfa_passes if {
	count(policy.deny) == 0 with input as user(null, [])
}

test_missing_device_list_fails if {
	count(policy.deny) == 1 with input as user(profile, null)
}

# The live login profile decides, not a stale credential report.
test_report_saying_mfa_active_does_not_count if {
	u := object.union(user(profile, []), {"attributes": {"CredentialReport": {"password_enabled": "true", "mfa_active": "true"}}})
	count(policy.deny) == 1 with input as u
}
