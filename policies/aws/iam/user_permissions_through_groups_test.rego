package palisade.aws.iam.user_permissions_through_groups_test

import data.palisade.aws.iam.user_permissions_through_groups as policy

user(attached, inline, groups) := {"name": "alice", "type": "AWS.IAM.User", "attributes": {"UserName": "alice", "AttachedPolicies": attached, "InlinePolicies": inline, "Groups": groups}}

admins := {"GroupName": "admins", "GroupId": "AGPA1", "Arn": "arn:aws:iam::111122223333:group/admins", "AttachedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}], "InlinePolicies": []}

test_group_permissions_only_pass if {
	count(policy.deny) == 0 with input as user([], [], [admins])
}

test_directly_attached_policy_fails if {
	policy.deny == {"user alice has managed policies attached directly: ReadOnlyAccess, S3Admin"} with input as user([
		{"PolicyName": "S3Admin", "PolicyArn": "arn:aws:iam::111122223333:policy/S3Admin"},
		{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
	], [], [admins])
}

test_inline_policy_fails if {
	policy.deny == {"user alice has inline policies: deploy"} with input as user([], [{"PolicyName": "deploy", "PolicyDocument": {"Statement": []}}], [])
}

test_both_give_two_messages if {
	count(policy.deny) == 2 with input as user([{"PolicyName": "a", "PolicyArn": "arn:aws:iam::aws:policy/a"}], [{"PolicyName": "b", "PolicyDocument": {}}], [])
}

test_user_without_any_permissions_passes if {
	count(policy.deny) == 0 with input as user([], [], [])
}
