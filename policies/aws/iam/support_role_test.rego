package palisade.aws.iam.support_role_test

import data.palisade.aws.iam.support_role as policy

account(roles, users, groups) := {"name": "111122223333", "type": "AWS.Account", "attributes": {"AccountId": "111122223333", "SupportAccess": {
	"PolicyArn": "arn:aws:iam::aws:policy/AWSSupportAccess",
	"Attached": count(roles) + count(users) + count(groups) > 0,
	"PolicyRoles": roles, "PolicyUsers": users, "PolicyGroups": groups,
}}}

test_role_with_support_access_passes if {
	count(policy.deny) == 0 with input as account([{"RoleName": "support", "RoleId": "AROA1"}], [], [])
}

test_not_attached_fails if {
	policy.deny == {"AWSSupportAccess is not attached to any role"} with input as account([], [], [])
}

test_attached_to_users_and_groups_only_fails if {
	policy.deny == {"AWSSupportAccess is attached to users or groups (bob, oncall) but not to any role"} with input as account([], [{"UserName": "bob", "UserId": "AIDA1"}], [{"GroupName": "oncall", "GroupId": "AGPA1"}])
}

test_missing_support_access_fails if {
	count(policy.deny) == 1 with input as {"attributes": {"SupportAccess": null}}
}
