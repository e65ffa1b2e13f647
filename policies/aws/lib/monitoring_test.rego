package palisade.aws.lib.monitoring_test

import data.palisade.aws.lib.monitoring
import data.palisade.aws.lib.monitoring_fixtures as fx

# CIS 4.5 as clauses: five event names, scoped to CloudTrail's event source.
trail_events := monitoring.event_names("cloudtrail.amazonaws.com", fx.cloudtrail_events)

what := "CloudTrail configuration changes"

# ---- covers: which parsed patterns cover which clauses ----

test_exact_cis_pattern_covers if {
	monitoring.covers(fx.cis_4_5, trail_events)
}

test_term_order_does_not_matter if {
	monitoring.covers(fx.or_(array.reverse(fx.names(fx.cloudtrail_events))), trail_events)
}

test_extra_alternatives_still_cover if {
	monitoring.covers(fx.or_(array.concat(fx.names(fx.cloudtrail_events), fx.names(["DeleteBucket"]))), trail_events)
}

test_missing_event_name_does_not_cover if {
	not monitoring.covers(fx.or_(fx.names(fx.without(fx.cloudtrail_events, "StopLogging"))), trail_events)
}

test_and_instead_of_or_does_not_cover if {
	not monitoring.covers(fx.and_(fx.names(fx.cloudtrail_events)), trail_events)
}

test_scoping_to_the_right_event_source_covers if {
	monitoring.covers(fx.scoped("cloudtrail.amazonaws.com", fx.cloudtrail_events), trail_events)
}

test_scoping_to_another_event_source_does_not_cover if {
	not monitoring.covers(fx.scoped("ec2.amazonaws.com", fx.cloudtrail_events), trail_events)
}

test_an_extra_narrowing_condition_does_not_cover if {
	parsed := fx.and_([fx.eq("$.userIdentity.type", "IAMUser"), fx.or_(fx.names(fx.cloudtrail_events))])
	not monitoring.covers(parsed, trail_events)
}

test_unscoped_pattern_covers_scoped_clauses if {
	monitoring.covers(fx.cis_4_13, monitoring.event_names("ec2.amazonaws.com", fx.route_table_events))
	monitoring.covers(fx.or_(fx.names(fx.route_table_events)), monitoring.event_names("ec2.amazonaws.com", fx.route_table_events))
}

# The v1.4 form of 4.13 left out the parentheses, so && binds the source to CreateRoute only; it
# still matches every route table event.
test_ungrouped_source_form_of_4_13_covers if {
	rest := fx.names(fx.without(fx.route_table_events, "CreateRoute"))
	parsed := fx.or_(array.concat(rest, [fx.and_([fx.eq("$.eventName", "CreateRoute"), fx.eq("$.eventSource", "ec2.amazonaws.com")])]))
	monitoring.covers(parsed, monitoring.event_names("ec2.amazonaws.com", fx.route_table_events))
}

test_value_must_match_exactly if {
	not monitoring.covers(fx.or_(fx.names(["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "stoplogging"])), trail_events)
}

test_comparison_operator_matters if {
	parsed := fx.or_(array.concat(fx.names(fx.without(fx.cloudtrail_events, "StopLogging")), [fx.ne("$.eventName", "StopLogging")]))
	not monitoring.covers(parsed, trail_events)
}

test_single_comparison_is_an_and_of_one if {
	monitoring.covers(fx.and_([fx.eq("$.eventName", "StopLogging")]), [[fx.eq("$.eventName", "StopLogging")]])
}

test_unparsed_pattern_does_not_cover if {
	not monitoring.covers(null, trail_events)
}

test_empty_node_does_not_cover if {
	not monitoring.covers(fx.and_([]), trail_events)
}

test_nesting_to_depth_six_is_followed if {
	leaf := fx.eq("$.eventName", "StopLogging")
	parsed := fx.or_([fx.and_([fx.or_([fx.and_([fx.or_([leaf, fx.eq("$.a", 1)])])])])])
	monitoring.covers(parsed, [[leaf]])
}

test_nesting_past_depth_six_does_not_cover if {
	leaf := fx.eq("$.eventName", "StopLogging")
	parsed := fx.or_([fx.and_([fx.or_([fx.and_([fx.or_([fx.and_([fx.or_([leaf, fx.eq("$.a", 1)])])])])])])])
	not monitoring.covers(parsed, [[leaf]])
}

# ---- the chain: trail -> log group -> filter -> alarm -> subscribed topic ----

log_group(filters) := {"LogGroupName": "ct", "Region": "us-east-1", "MetricFilters": filters}

chain(trails, alarms, topics) := fx.monitoring(trails, [log_group([fx.filter("cis", fx.cis_4_5)])], alarms, topics)

test_complete_chain_passes if {
	acct := fx.account(fx.cis_4_5)
	count(acct.attributes.LogGroups[0].MetricFilters) == 1
	monitoring.satisfied(trail_events) with input as acct
	not monitoring.failure(trail_events, what) with input as acct
}

test_no_trail_fails if {
	acct := chain([], [fx.alarm("cis")], fx.subscribed_topics)
	monitoring.failure(trail_events, what) == "CloudTrail configuration changes are not monitored: no CloudTrail trail is multi-region, logging and recording all management events" with input as acct
}

test_missing_attributes_fail if {
	startswith(monitoring.failure(trail_events, what), "CloudTrail configuration changes are not monitored: no CloudTrail trail") with input as {"attributes": {"Trails": null, "LogGroups": null, "Alarms": null, "Topics": null}}
}

test_single_region_trail_does_not_count if {
	t := object.union(fx.trail, {"IsMultiRegionTrail": false})
	acct := chain([t], [fx.alarm("cis")], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "no CloudTrail trail is multi-region") with input as acct
}

test_stopped_trail_does_not_count if {
	t := object.union(fx.trail, {"IsLogging": false})
	acct := chain([t], [fx.alarm("cis")], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "no CloudTrail trail is multi-region") with input as acct
}

test_trail_without_all_management_events_does_not_count if {
	t := object.union(fx.trail, {"IncludesAllManagementEvents": false})
	acct := chain([t], [fx.alarm("cis")], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "no CloudTrail trail is multi-region") with input as acct
}

test_trail_not_sending_to_cloudwatch_fails if {
	t := object.union(fx.trail, {"CloudWatchLogsLogGroupArn": null, "LogGroupName": null, "LogGroupRegion": null})
	acct := chain([t], [fx.alarm("cis")], fx.subscribed_topics)
	monitoring.failure(trail_events, what) == "CloudTrail configuration changes are not monitored: trail(s) main do not send events to CloudWatch Logs" with input as acct
}

test_log_group_is_read_from_the_arn_when_not_split if {
	t := object.union(fx.trail, {"LogGroupName": null, "LogGroupRegion": null})
	acct := chain([t], [fx.alarm("cis")], fx.subscribed_topics)
	monitoring.satisfied(trail_events) with input as acct
	not monitoring.failure(trail_events, what) with input as acct
}

test_filter_on_a_group_no_recording_trail_uses_fails if {
	good := object.union(fx.trail, {"LogGroupName": "other", "CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111122223333:log-group:other:*"})
	single := object.union(fx.trail, {"Name": "regional", "IsMultiRegionTrail": false})
	acct := chain([good, single], [fx.alarm("cis")], fx.subscribed_topics)
	msg := monitoring.failure(trail_events, what) with input as acct
	msg == "CloudTrail configuration changes are not monitored: no metric filter on the CloudTrail log group(s) other (us-east-1) matches every event of the CIS pattern"
}

test_same_group_name_in_another_region_does_not_count if {
	t := object.union(fx.trail, {"LogGroupRegion": "eu-west-1"})
	acct := chain([t], [fx.alarm("cis")], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "log group(s) ct (eu-west-1)") with input as acct
}

test_one_good_trail_among_bad_ones_is_enough if {
	bad := object.union(fx.trail, {"Name": "old", "IsLogging": false, "LogGroupName": "nowhere"})
	acct := chain([bad, fx.trail], [fx.alarm("cis")], fx.subscribed_topics)
	monitoring.satisfied(trail_events) with input as acct
	not monitoring.failure(trail_events, what) with input as acct
}

test_partial_filter_fails_and_names_the_group if {
	partial := fx.or_(fx.names(fx.without(fx.cloudtrail_events, "DeleteTrail")))
	acct := fx.account(partial)
	msg := monitoring.failure(trail_events, what) with input as acct
	msg == "CloudTrail configuration changes are not monitored: no metric filter on the CloudTrail log group(s) ct (us-east-1) matches every event of the CIS pattern"
}

test_unparsed_filters_are_named if {
	broken := object.union(fx.filter("broken", null), {"ParseError": "at character 3: expected a value"})
	acct := fx.monitoring([fx.trail], [log_group([broken])], [fx.alarm("broken")], fx.subscribed_topics)
	msg := monitoring.failure(trail_events, what) with input as acct
	endswith(msg, "; patterns that could not be parsed: broken: at character 3: expected a value")
}

test_second_filter_of_the_group_can_cover if {
	acct := fx.monitoring(
		[fx.trail],
		[log_group([fx.filter("other", fx.cis_4_1), fx.filter("cis", fx.cis_4_5)])],
		[fx.alarm("cis")],
		fx.subscribed_topics,
	)
	monitoring.satisfied(trail_events) with input as acct
	not monitoring.failure(trail_events, what) with input as acct
}

test_no_alarm_fails if {
	acct := chain([fx.trail], [], fx.subscribed_topics)
	msg := monitoring.failure(trail_events, what) with input as acct
	msg == "CloudTrail configuration changes are not monitored: no CloudWatch alarm watches the metric of filter(s) cis on ct (us-east-1)"
}

test_alarm_on_another_metric_fails if {
	acct := chain([fx.trail], [fx.alarm("other")], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "no CloudWatch alarm") with input as acct
}

test_alarm_in_another_namespace_fails if {
	a := object.union(fx.alarm("cis"), {"Namespace": "Custom"})
	acct := chain([fx.trail], [a], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "no CloudWatch alarm") with input as acct
}

test_alarm_in_another_region_fails if {
	a := object.union(fx.alarm("cis"), {"Region": "eu-west-1"})
	acct := chain([fx.trail], [a], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "no CloudWatch alarm") with input as acct
}

test_alarm_without_actions_fails if {
	a := object.union(fx.alarm("cis"), {"AlarmActions": []})
	acct := chain([fx.trail], [a], fx.subscribed_topics)
	msg := monitoring.failure(trail_events, what) with input as acct
	msg == "CloudTrail configuration changes are not monitored: alarm(s) cis-alarm notify no SNS topic with a confirmed subscription (or have actions disabled)"
}

test_alarm_with_actions_disabled_fails if {
	a := object.union(fx.alarm("cis"), {"ActionsEnabled": false})
	acct := chain([fx.trail], [a], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "alarm(s) cis-alarm notify no SNS topic") with input as acct
}

test_topic_with_only_pending_subscriptions_fails if {
	topics := {fx.topic_arn: {"Subscriptions": [{"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": "x@example.com"}]}}
	acct := chain([fx.trail], [fx.alarm("cis")], topics)
	contains(monitoring.failure(trail_events, what), "notify no SNS topic") with input as acct
}

test_topic_without_subscriptions_fails if {
	topics := {fx.topic_arn: {"Subscriptions": []}}
	acct := chain([fx.trail], [fx.alarm("cis")], topics)
	contains(monitoring.failure(trail_events, what), "notify no SNS topic") with input as acct
}

test_unknown_topic_fails if {
	acct := chain([fx.trail], [fx.alarm("cis")], {})
	contains(monitoring.failure(trail_events, what), "notify no SNS topic") with input as acct
}

test_non_sns_action_does_not_notify if {
	a := object.union(fx.alarm("cis"), {"AlarmActions": ["arn:aws:automate:us-east-1:ec2:stop"]})
	acct := chain([fx.trail], [a], fx.subscribed_topics)
	contains(monitoring.failure(trail_events, what), "notify no SNS topic") with input as acct
}

test_one_notifying_alarm_among_silent_ones_is_enough if {
	silent := object.union(fx.alarm("cis"), {"AlarmName": "silent", "AlarmActions": []})
	acct := chain([fx.trail], [silent, fx.alarm("cis")], fx.subscribed_topics)
	monitoring.satisfied(trail_events) with input as acct
	not monitoring.failure(trail_events, what) with input as acct
}

test_pending_and_confirmed_subscriptions_pass if {
	topics := {fx.topic_arn: {"Subscriptions": [
		{"SubscriptionArn": "PendingConfirmation", "Protocol": "email", "Endpoint": "x@example.com"},
		{"SubscriptionArn": sprintf("%s:abc", [fx.topic_arn]), "Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:111122223333:q"},
	]}}
	acct := chain([fx.trail], [fx.alarm("cis")], topics)
	monitoring.satisfied(trail_events) with input as acct
	not monitoring.failure(trail_events, what) with input as acct
}
