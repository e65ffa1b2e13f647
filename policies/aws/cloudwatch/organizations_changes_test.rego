package palisade.aws.cloudwatch.organizations_changes_test

import data.palisade.aws.cloudwatch.organizations_changes as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

events := fx.organizations_events

test_cis_pattern_passes if {
	acct := fx.account(fx.cis_4_15)
	count(acct.attributes.LogGroups[0].MetricFilters) == 1
	count(policy.deny) == 0 with input as acct
}

test_unscoped_form_passes if {
	pattern := fx.or_(fx.names(events))
	acct := fx.account(pattern)
	count(policy.deny) == 0 with input as acct
}

test_extra_events_still_pass if {
	pattern := fx.or_(array.concat(fx.names(events), fx.names(["GetCallerIdentity"])))
	acct := fx.account(pattern)
	count(policy.deny) == 0 with input as acct
}

test_first_event_missing_fails if {
	pattern := fx.or_(fx.names(array.slice(events, 1, count(events))))
	acct := fx.account(pattern)
	policy.deny == {"AWS Organizations changes are not monitored: no metric filter on the CloudTrail log group(s) ct (us-east-1) matches every event of the CIS pattern"} with input as acct
}

test_last_event_missing_fails if {
	pattern := fx.scoped("organizations.amazonaws.com", array.slice(events, 0, count(events) - 1))
	acct := fx.account(pattern)
	count(policy.deny) == 1 with input as acct
}

test_events_joined_with_and_fail if {
	pattern := fx.and_(fx.names(events))
	acct := fx.account(pattern)
	count(policy.deny) == 1 with input as acct
}

test_wrong_event_source_fails if {
	pattern := fx.scoped("sts.amazonaws.com", events)
	acct := fx.account(pattern)
	count(policy.deny) == 1 with input as acct
}

test_no_trail_fails if {
	acct := fx.monitoring([], [], [], {})
	policy.deny == {"AWS Organizations changes are not monitored: no CloudTrail trail is multi-region, logging and recording all management events"} with input as acct
}

test_alarm_without_subscribed_topic_fails if {
	acct := fx.monitoring(
		[fx.trail],
		[{"LogGroupName": "ct", "Region": "us-east-1", "MetricFilters": [fx.filter("cis", fx.cis_4_15)]}],
		[fx.alarm("cis")],
		{fx.topic_arn: {"Subscriptions": [{"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": "a@example.com"}]}},
	)
	policy.deny == {"AWS Organizations changes are not monitored: alarm(s) cis-alarm notify no SNS topic with a confirmed subscription (or have actions disabled)"} with input as acct
}
