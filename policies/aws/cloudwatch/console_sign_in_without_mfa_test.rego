package palisade.aws.cloudwatch.console_sign_in_without_mfa_test

import data.palisade.aws.cloudwatch.console_sign_in_without_mfa as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

no_filter := "console sign-ins without MFA are not monitored: no metric filter on the CloudTrail log group(s) ct (us-east-1) matches every event of the CIS pattern"

test_cis_pattern_passes if {
	acct := fx.account(fx.cis_4_2)
	count(policy.deny) == 0 with input as acct
}

test_cis_sso_pattern_passes if {
	acct := fx.account(fx.cis_4_2_sso)
	count(policy.deny) == 0 with input as acct
}

test_pattern_scoped_to_signin_passes if {
	pattern := fx.and_([fx.eq("$.eventSource", "signin.amazonaws.com"), fx.eq("$.eventName", "ConsoleLogin"), fx.ne("$.additionalEventData.MFAUsed", "Yes")])
	acct := fx.account(pattern)
	count(policy.deny) == 0 with input as acct
}

# Every console login is a superset of those without MFA.
test_all_console_logins_pass if {
	acct := fx.account(fx.and_([fx.eq("$.eventName", "ConsoleLogin")]))
	count(policy.deny) == 0 with input as acct
}

test_mfa_used_no_instead_of_not_yes_fails if {
	acct := fx.account(fx.and_([fx.eq("$.eventName", "ConsoleLogin"), fx.eq("$.additionalEventData.MFAUsed", "No")]))
	policy.deny == {no_filter} with input as acct
}

test_mfa_used_yes_fails if {
	acct := fx.account(fx.and_([fx.eq("$.eventName", "ConsoleLogin"), fx.eq("$.additionalEventData.MFAUsed", "Yes")]))
	count(policy.deny) == 1 with input as acct
}

test_only_failed_sign_ins_fail if {
	pattern := fx.and_([fx.eq("$.eventName", "ConsoleLogin"), fx.ne("$.additionalEventData.MFAUsed", "Yes"), fx.eq("$.responseElements.ConsoleLogin", "Failure")])
	acct := fx.account(pattern)
	count(policy.deny) == 1 with input as acct
}

test_filter_on_the_console_failures_pattern_fails if {
	acct := fx.account(fx.cis_4_6)
	count(policy.deny) == 1 with input as acct
}

test_no_trail_fails if {
	acct := fx.monitoring([], [], [], {})
	count(policy.deny) == 1 with input as acct
}
