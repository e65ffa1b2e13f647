package palisade.aws.cloudwatch.unauthorized_api_calls_test

import data.palisade.aws.cloudwatch.unauthorized_api_calls as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

unauthorized := fx.eq("$.errorCode", "*UnauthorizedOperation")

denied := fx.eq("$.errorCode", "AccessDenied*")

not_delivery := fx.ne("$.sourceIPAddress", "delivery.logs.amazonaws.com")

not_head_bucket := fx.ne("$.eventName", "HeadBucket")

no_filter := "unauthorized API calls are not monitored: no metric filter on the CloudTrail log group(s) ct (us-east-1) matches every event of the CIS pattern"

# As published (v1.4 to v3.0.0) and parsed with && binding tighter than ||.
test_cis_pattern_passes if {
	acct := fx.account(fx.cis_4_1)
	count(policy.deny) == 0 with input as acct
}

# The reading the authors meant: the exclusions apply to both error codes.
test_exclusions_on_both_codes_pass if {
	pattern := fx.and_([fx.or_([unauthorized, denied]), not_delivery, not_head_bucket])
	acct := fx.account(pattern)
	count(policy.deny) == 0 with input as acct
}

# The v1.2/v1.3 pattern, without exclusions, alarms on more and still covers.
test_pattern_without_exclusions_passes if {
	acct := fx.account(fx.or_([denied, unauthorized]))
	count(policy.deny) == 0 with input as acct
}

test_only_unauthorized_operation_fails if {
	acct := fx.account(fx.and_([unauthorized]))
	policy.deny == {no_filter} with input as acct
}

test_only_access_denied_fails if {
	acct := fx.account(fx.and_([denied, not_delivery, not_head_bucket]))
	policy.deny == {no_filter} with input as acct
}

test_error_codes_joined_with_and_fail if {
	acct := fx.account(fx.and_([unauthorized, denied]))
	count(policy.deny) == 1 with input as acct
}

test_extra_exclusion_narrows_and_fails if {
	extra := fx.ne("$.userIdentity.type", "AssumedRole")
	acct := fx.account(fx.or_([unauthorized, fx.and_([denied, not_delivery, not_head_bucket, extra])]))
	count(policy.deny) == 1 with input as acct
}

test_exact_error_code_instead_of_wildcard_fails if {
	acct := fx.account(fx.or_([fx.eq("$.errorCode", "UnauthorizedOperation"), denied]))
	count(policy.deny) == 1 with input as acct
}

test_no_trail_fails if {
	acct := fx.monitoring([], [], [], {})
	policy.deny == {"unauthorized API calls are not monitored: no CloudTrail trail is multi-region, logging and recording all management events"} with input as acct
}
