package palisade.aws.cloudwatch.console_authentication_failures_test

import data.palisade.aws.cloudwatch.console_authentication_failures as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

login := fx.eq("$.eventName", "ConsoleLogin")

failed := fx.eq("$.errorMessage", "Failed authentication")

test_cis_pattern_passes if {
	acct := fx.account(fx.cis_4_6)
	count(policy.deny) == 0 with input as acct
}

test_pattern_scoped_to_signin_passes if {
	acct := fx.account(fx.and_([fx.eq("$.eventSource", "signin.amazonaws.com"), login, failed]))
	count(policy.deny) == 0 with input as acct
}

test_every_console_login_passes if {
	acct := fx.account(fx.and_([login]))
	count(policy.deny) == 0 with input as acct
}

test_other_error_message_fails if {
	acct := fx.account(fx.and_([login, fx.eq("$.errorMessage", "No username found in supplied account")]))
	policy.deny == {"console authentication failures are not monitored: no metric filter on the CloudTrail log group(s) ct (us-east-1) matches every event of the CIS pattern"} with input as acct
}

test_iam_users_only_fail if {
	acct := fx.account(fx.and_([login, failed, fx.eq("$.userIdentity.type", "IAMUser")]))
	count(policy.deny) == 1 with input as acct
}

test_without_alarm_fails if {
	acct := fx.monitoring([fx.trail], [{"LogGroupName": "ct", "Region": "us-east-1", "MetricFilters": [fx.filter("cis", fx.cis_4_6)]}], [], fx.subscribed_topics)
	policy.deny == {"console authentication failures are not monitored: no CloudWatch alarm watches the metric of filter(s) cis on ct (us-east-1)"} with input as acct
}
