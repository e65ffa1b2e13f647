package palisade.aws.cloudwatch.root_usage_test

import data.palisade.aws.cloudwatch.root_usage as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

root := fx.eq("$.userIdentity.type", "Root")

not_invoked := {"field": "$.userIdentity.invokedBy", "exists": false}

not_service_event := fx.ne("$.eventType", "AwsServiceEvent")

no_filter := "uses of the root user are not monitored: no metric filter on the CloudTrail log group(s) ct (us-east-1) matches every event of the CIS pattern"

test_cis_pattern_passes if {
	acct := fx.account(fx.cis_4_3)
	count(policy.deny) == 0 with input as acct
}

test_any_root_event_passes if {
	acct := fx.account(fx.and_([root]))
	count(policy.deny) == 0 with input as acct
}

test_not_root_instead_of_root_fails if {
	acct := fx.account(fx.and_([fx.ne("$.userIdentity.type", "Root"), not_invoked, not_service_event]))
	policy.deny == {no_filter} with input as acct
}

# Without the Root condition the filter alarms on far more, but on every root use too.
test_root_condition_left_out_still_covers if {
	acct := fx.account(fx.and_([not_invoked, not_service_event]))
	count(policy.deny) == 0 with input as acct
}

test_other_user_type_fails if {
	acct := fx.account(fx.and_([fx.eq("$.userIdentity.type", "IAMUser"), not_invoked, not_service_event]))
	count(policy.deny) == 1 with input as acct
}

test_root_console_logins_only_fail if {
	acct := fx.account(fx.and_([root, not_invoked, not_service_event, fx.eq("$.eventName", "ConsoleLogin")]))
	count(policy.deny) == 1 with input as acct
}

test_comparisons_joined_with_or_pass if {
	acct := fx.account(fx.or_([root, not_invoked, not_service_event]))
	count(policy.deny) == 0 with input as acct
}

test_unparsed_filter_fails_and_says_why if {
	broken := object.union(fx.filter("root", null), {"ParseError": "at character 40: expected EXISTS after NOT"})
	acct := fx.monitoring([fx.trail], [{"LogGroupName": "ct", "Region": "us-east-1", "MetricFilters": [broken]}], [fx.alarm("root")], fx.subscribed_topics)
	policy.deny == {concat("", [no_filter, "; patterns that could not be parsed: root: at character 40: expected EXISTS after NOT"])} with input as acct
}
