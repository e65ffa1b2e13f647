package palisade.aws.iam.policy_admin_wildcard_test

import data.palisade.aws.iam.policy_admin_wildcard as policy

pol(statement) := {"name": "p", "type": "AWS.IAM.Policy", "attributes": {"DefaultVersion": {"Document": {"Version": "2012-10-17", "Statement": statement}}}}

test_star_action_star_resource_fails if {
	policy.deny == {"policy p allows every action on every resource (statement #0)"} with input as pol([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
}

test_star_colon_star_fails if {
	count(policy.deny) == 1 with input as pol([{"Effect": "Allow", "Action": "*:*", "Resource": "*"}])
}

test_star_in_action_list_fails if {
	count(policy.deny) == 1 with input as pol([{"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": ["*"]}])
}

test_single_statement_object_fails if {
	count(policy.deny) == 1 with input as pol({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"})
}

test_sid_is_named if {
	policy.deny == {"policy p allows every action on every resource (statement Admin)"} with input as pol({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"})
}

test_deny_statement_passes if {
	count(policy.deny) == 0 with input as pol([{"Effect": "Deny", "Action": "*", "Resource": "*"}])
}

test_service_wildcard_passes if {
	count(policy.deny) == 0 with input as pol([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
}

test_star_action_on_specific_resource_passes if {
	count(policy.deny) == 0 with input as pol([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}])
}

test_specific_actions_pass if {
	count(policy.deny) == 0 with input as pol([{"Effect": "Allow", "Action": ["ec2:Describe*", "s3:List*"], "Resource": "*"}])
}

test_one_admin_statement_among_others_fails if {
	count(policy.deny) == 1 with input as pol([
		{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
		{"Effect": "Allow", "Action": ["*"], "Resource": "*"},
	])
}

test_missing_document_passes if {
	count(policy.deny) == 0 with input as {"name": "p", "attributes": {"DefaultVersion": null}}
}
