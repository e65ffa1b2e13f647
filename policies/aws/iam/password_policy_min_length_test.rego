package palisade.aws.iam.password_policy_min_length_test

import data.palisade.aws.iam.password_policy_min_length as policy

pp(length) := {"name": "password-policy", "type": "AWS.IAM.PasswordPolicy", "attributes": {"Exists": true, "MinimumPasswordLength": length, "PasswordReusePrevention": 24}}

no_policy := {"name": "password-policy", "type": "AWS.IAM.PasswordPolicy", "attributes": {"Exists": false, "MinimumPasswordLength": null, "PasswordReusePrevention": null}}

test_14_passes if {
	count(policy.deny) == 0 with input as pp(14)
}

test_longer_passes if {
	count(policy.deny) == 0 with input as pp(32)
}

test_13_fails if {
	policy.deny == {"the IAM password policy requires 13 characters (required 14)"} with input as pp(13)
}

test_no_password_policy_fails if {
	policy.deny == {"the account has no IAM password policy (minimum length defaults to 8, required 14)"} with input as no_policy
}

test_missing_length_fails if {
	policy.deny == {"the IAM password policy sets no minimum length (required 14)"} with input as pp(null)
}

test_threshold_is_a_parameter if {
	count(policy.deny) == 1 with input as pp(14) with data.palisade.params as {"iam_password_min_length": 16}
	count(policy.deny) == 0 with input as pp(12) with data.palisade.params as {"iam_password_min_length": 12}
}
