package palisade.aws.iam.user_single_active_access_key_test

import data.palisade.aws.iam.user_single_active_access_key as policy

user(keys) := {"name": "alice", "type": "AWS.IAM.User", "attributes": {"UserName": "alice", "AccessKeys": keys}}

key(id, status) := {"AccessKeyId": id, "Status": status, "CreateDate": "2024-01-01T00:00:00Z", "LastUsedDate": null, "LastUsedService": null, "LastUsedRegion": null}

test_two_active_keys_fail if {
	policy.deny == {"user alice has 2 active access keys (AKIA1, AKIA2)"} with input as user([key("AKIA2", "Active"), key("AKIA1", "Active")])
}

test_one_active_one_inactive_passes if {
	count(policy.deny) == 0 with input as user([key("AKIA1", "Active"), key("AKIA2", "Inactive")])
}

test_two_inactive_keys_pass if {
	count(policy.deny) == 0 with input as user([key("AKIA1", "Inactive"), key("AKIA2", "Inactive")])
}

test_single_key_passes if {
	count(policy.deny) == 0 with input as user([key("AKIA1", "Active")])
}

test_no_keys_pass if {
	count(policy.deny) == 0 with input as user([])
}

test_missing_key_list_passes if {
	count(policy.deny) == 0 with input as user(null)
}
