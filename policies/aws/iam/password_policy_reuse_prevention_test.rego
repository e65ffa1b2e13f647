package palisade.aws.iam.password_policy_reuse_prevention_test

import data.palisade.aws.iam.password_policy_reuse_prevention as policy

pp(reuse) := {"name": "password-policy", "type": "AWS.IAM.PasswordPolicy", "attributes": {"Exists": true, "MinimumPasswordLength": 14, "PasswordReusePrevention": reuse}}

test_24_passes if {
	count(policy.deny) == 0 with input as pp(24)
}

test_5_fails if {
	policy.deny == {"the IAM password policy remembers 5 previous passwords (required 24)"} with input as pp(5)
}

test_23_fails if {
	count(policy.deny) == 1 with input as pp(23)
}

test_reuse_not_prevented_fails if {
	policy.deny == {"the IAM password policy does not prevent password reuse (required: remember 24)"} with input as pp(null)
}

test_no_password_policy_fails if {
	policy.deny == {"the account has no IAM password policy, so passwords may be reused (required: remember 24)"} with input as {"attributes": {"Exists": false, "PasswordReusePrevention": null}}
}

test_threshold_is_a_parameter if {
	count(policy.deny) == 0 with input as pp(5) with data.palisade.params as {"iam_password_reuse_prevention": 5}
}
