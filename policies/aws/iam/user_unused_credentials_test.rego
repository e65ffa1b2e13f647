package palisade.aws.iam.user_unused_credentials_test

import data.palisade.aws.iam.user_unused_credentials as policy

# 2024-06-01T00:00:00Z
now := 1717200000000000000

# A credential-report row: nothing enabled unless overridden.
row(fields) := object.union({
	"user": "alice", "arn": "arn:aws:iam::111122223333:user/alice", "user_creation_time": "2023-01-01T00:00:00+00:00",
	"password_enabled": "false", "password_last_used": "N/A", "password_last_changed": "N/A", "mfa_active": "false",
	"access_key_1_active": "false", "access_key_1_last_rotated": "N/A", "access_key_1_last_used_date": "N/A",
	"access_key_2_active": "false", "access_key_2_last_rotated": "N/A", "access_key_2_last_used_date": "N/A",
}, fields)

user(report) := {"name": "alice", "type": "AWS.IAM.User", "attributes": {"UserName": "alice", "CredentialReport": report, "LoginProfile": null, "PasswordLastUsed": null, "AccessKeys": []}}

# ---- from the credential report ----

test_password_used_recently_passes if {
	u := user(row({"password_enabled": "true", "password_last_used": "2024-05-20T08:00:00+00:00", "password_last_changed": "2023-01-01T00:00:00+00:00"}))
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_password_unused_for_60_days_fails if {
	u := user(row({"password_enabled": "true", "password_last_used": "2024-04-02T00:00:00+00:00", "password_last_changed": "2023-01-01T00:00:00+00:00"}))
	policy.deny == {"console password of user alice was last used 60 days ago (limit 45 days)"} with input as u with data.palisade.now_ns as now
}

test_exactly_45_days_fails if {
	u := user(row({"password_enabled": "true", "password_last_used": "2024-04-17T00:00:00+00:00"}))
	count(policy.deny) == 1 with input as u with data.palisade.now_ns as now
}

test_44_days_passes if {
	u := user(row({"password_enabled": "true", "password_last_used": "2024-04-18T00:00:00+00:00"}))
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_password_never_used_counts_from_last_change if {
	old := user(row({"password_enabled": "true", "password_last_used": "N/A", "password_last_changed": "2024-03-01T00:00:00+00:00"}))
	policy.deny == {"console password of user alice has never been used in the 92 days since it was set (limit 45 days)"} with input as old with data.palisade.now_ns as now
	fresh := user(row({"password_enabled": "true", "password_last_used": "N/A", "password_last_changed": "2024-05-30T00:00:00+00:00"}))
	count(policy.deny) == 0 with input as fresh with data.palisade.now_ns as now
}

test_no_information_counts_from_last_change if {
	u := user(row({"password_enabled": "true", "password_last_used": "no_information", "password_last_changed": "2024-01-01T00:00:00+00:00"}))
	count(policy.deny) == 1 with input as u with data.palisade.now_ns as now
}

test_password_never_changed_counts_from_user_creation if {
	u := user(row({"password_enabled": "true", "password_last_used": "N/A", "password_last_changed": "N/A", "user_creation_time": "2024-05-25T00:00:00+00:00"}))
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_disabled_password_is_ignored if {
	u := user(row({"password_enabled": "false", "password_last_used": "2020-01-01T00:00:00+00:00"}))
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_key_unused_for_long_fails if {
	u := user(row({"access_key_2_active": "true", "access_key_2_last_rotated": "2023-01-01T00:00:00+00:00", "access_key_2_last_used_date": "2024-03-01T00:00:00+00:00"}))
	policy.deny == {"access key 2 of user alice was last used 92 days ago (limit 45 days)"} with input as u with data.palisade.now_ns as now
}

test_key_used_recently_passes if {
	u := user(row({"access_key_1_active": "true", "access_key_1_last_rotated": "2023-01-01T00:00:00+00:00", "access_key_1_last_used_date": "2024-05-31T00:00:00+00:00"}))
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_key_never_used_counts_from_rotation if {
	old := user(row({"access_key_1_active": "true", "access_key_1_last_rotated": "2024-01-01T00:00:00+00:00", "access_key_1_last_used_date": "N/A"}))
	policy.deny == {"access key 1 of user alice has never been used in the 152 days since it was set (limit 45 days)"} with input as old with data.palisade.now_ns as now
	fresh := user(row({"access_key_1_active": "true", "access_key_1_last_rotated": "2024-05-01T00:00:00+00:00", "access_key_1_last_used_date": "N/A"}))
	count(policy.deny) == 0 with input as fresh with data.palisade.now_ns as now
}

test_inactive_old_key_is_ignored if {
	u := user(row({"access_key_1_active": "false", "access_key_1_last_rotated": "2020-01-01T00:00:00+00:00", "access_key_1_last_used_date": "2020-02-01T00:00:00+00:00"}))
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_every_stale_credential_is_reported if {
	u := user(row({
		"password_enabled": "true", "password_last_used": "2023-06-01T00:00:00+00:00",
		"access_key_1_active": "true", "access_key_1_last_rotated": "2023-01-01T00:00:00+00:00", "access_key_1_last_used_date": "2023-06-01T00:00:00+00:00",
		"access_key_2_active": "true", "access_key_2_last_rotated": "2024-05-30T00:00:00+00:00", "access_key_2_last_used_date": "N/A",
	}))
	count(policy.deny) == 2 with input as u with data.palisade.now_ns as now
}

test_threshold_is_a_parameter if {
	u := user(row({"password_enabled": "true", "password_last_used": "2024-05-20T00:00:00+00:00"}))
	count(policy.deny) == 1 with input as u with data.palisade.now_ns as now with data.palisade.params as {"iam_unused_credentials_days": 7}
}

# ---- without a credential report: the user's own attributes ----

direct(profile, last_used, keys) := {"name": "alice", "type": "AWS.IAM.User", "attributes": {"UserName": "alice", "CredentialReport": null, "LoginProfile": profile, "PasswordLastUsed": last_used, "AccessKeys": keys}}

key(id, status, created, last_used) := {"AccessKeyId": id, "Status": status, "CreateDate": created, "LastUsedDate": last_used, "LastUsedService": null, "LastUsedRegion": null}

test_without_report_stale_sign_in_fails if {
	u := direct({"CreateDate": "2023-01-01T00:00:00Z", "PasswordResetRequired": false}, "2024-04-01T00:00:00Z", [])
	policy.deny == {"console password of user alice was last used 61 days ago (limit 45 days)"} with input as u with data.palisade.now_ns as now
}

test_without_report_never_signed_in_counts_from_profile_creation if {
	u := direct({"CreateDate": "2024-05-01T00:00:00Z", "PasswordResetRequired": true}, null, [])
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_without_report_never_used_key_fails if {
	u := direct(null, null, [key("AKIA1", "Active", "2024-01-01T00:00:00Z", null)])
	policy.deny == {"access key AKIA1 of user alice has never been used in the 152 days since it was set (limit 45 days)"} with input as u with data.palisade.now_ns as now
}

test_without_report_inactive_key_is_ignored if {
	u := direct(null, null, [key("AKIA1", "Inactive", "2020-01-01T00:00:00Z", null)])
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_without_report_recent_key_passes if {
	u := direct(null, null, [key("AKIA1", "Active", "2020-01-01T00:00:00Z", "2024-05-31T12:00:00Z")])
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}

test_user_without_credentials_passes if {
	u := direct(null, null, [])
	count(policy.deny) == 0 with input as u with data.palisade.now_ns as now
}
