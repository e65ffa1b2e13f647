package palisade.aws.iam.policy_attached_admin_privileges_test

import data.palisade.aws.iam.policy_attached_admin_privileges as policy

pol(attachments, statement) := {"name": "p", "type": "AWS.IAM.Policy", "attributes": {"AttachmentCount": attachments, "DefaultVersion": {"VersionId": "v1", "Document": {"Version": "2012-10-17", "Statement": statement}}}}

admin := {"Effect": "Allow", "Action": "*", "Resource": "*"}

test_attached_admin_policy_fails if {
	policy.deny == {"policy p is attached to 2 identities and allows every action on every resource (statement #0)"} with input as pol(2, [admin])
}

test_unattached_admin_policy_does_not_apply if {
	policy.applies == false with input as pol(0, [admin])
	count(policy.deny) == 0 with input as pol(0, [admin])
}

test_star_colon_star_in_a_list_fails if {
	count(policy.deny) == 1 with input as pol(1, [{"Sid": "All", "Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}])
}

test_single_statement_object_fails if {
	policy.deny == {"policy p is attached to 1 identities and allows every action on every resource (statement All)"} with input as pol(1, {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"})
}

test_deny_statement_passes if {
	count(policy.deny) == 0 with input as pol(3, [{"Effect": "Deny", "Action": "*", "Resource": "*"}])
}

test_service_wildcard_passes if {
	count(policy.deny) == 0 with input as pol(3, [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}])
}

test_all_actions_on_one_resource_pass if {
	count(policy.deny) == 0 with input as pol(3, [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}])
}

test_missing_default_version_passes if {
	count(policy.deny) == 0 with input as {"name": "p", "attributes": {"AttachmentCount": 1, "DefaultVersion": null}}
}
