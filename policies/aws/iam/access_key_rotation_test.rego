package palisade.aws.iam.access_key_rotation_test

import data.palisade.aws.iam.access_key_rotation as policy

# 2024-06-01T00:00:00Z
now := 1717200000000000000

user(keys) := {"name": "alice", "type": "AWS.IAM.User", "attributes": {"UserName": "alice", "AccessKeys": keys}}

key(id, status, created) := {"AccessKeyId": id, "Status": status, "CreateDate": created}

test_old_active_key_fails if {
	policy.deny == {"access key AKIA1 of user alice is active and 121 days old (limit 90 days)"} with input as user([key("AKIA1", "Active", "2024-02-01T00:00:00Z")])
		with data.palisade.now_ns as now
}

test_old_inactive_key_passes if {
	count(policy.deny) == 0 with input as user([key("AKIA1", "Inactive", "2023-01-01T00:00:00Z")])
		with data.palisade.now_ns as now
}

test_young_key_passes if {
	count(policy.deny) == 0 with input as user([key("AKIA1", "Active", "2024-05-01T00:00:00Z")])
		with data.palisade.now_ns as now
}

test_exactly_90_days_passes if {
	count(policy.deny) == 0 with input as user([key("AKIA1", "Active", "2024-03-03T00:00:00Z")])
		with data.palisade.now_ns as now
}

test_91_days_fails if {
	count(policy.deny) == 1 with input as user([key("AKIA1", "Active", "2024-03-02T00:00:00Z")])
		with data.palisade.now_ns as now
}

test_one_old_key_among_two_fails if {
	count(policy.deny) == 1 with input as user([
		key("AKIA1", "Active", "2024-05-20T00:00:00Z"),
		key("AKIA2", "Active", "2023-05-20T00:00:00Z"),
	])
		with data.palisade.now_ns as now
}

test_no_keys_passes if {
	count(policy.deny) == 0 with input as user([]) with data.palisade.now_ns as now
}

test_threshold_is_a_parameter if {
	count(policy.deny) == 1 with input as user([key("AKIA1", "Active", "2024-05-01T00:00:00Z")])
		with data.palisade.now_ns as now
		with data.palisade.params as {"iam_access_key_max_age_days": 30}
}

test_null_keys_pass_without_error if {
	count(policy.deny) == 0 with input as {"name": "alice", "attributes": {"AccessKeys": null}} with data.palisade.now_ns as now
}
