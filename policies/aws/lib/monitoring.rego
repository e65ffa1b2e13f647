# Shared logic for CIS AWS Foundations section 4 (monitoring), evaluated on the account-wide
# AWS.Account.Monitoring resource: does some CloudTrail trail that records every region's
# management events feed a CloudWatch Logs metric filter matching the events a control names, with
# a metric alarm on that filter's metric that notifies an SNS topic with a confirmed subscription?
#
# A control states the events it wants matched as `clauses`, in disjunctive normal form: a list of
# alternatives, each a list of comparisons that hold together. Comparisons have the shape of the
# collector's parsed filter patterns: {"field", "cmp", "value"} or {"field", "exists": false}.
#
# A filter covers a control when, for every clause, an event for which exactly that clause's
# comparisons hold (and no other comparison of the filter) matches the filter's parsed pattern. So
# a filter must alarm on at least every event the CIS pattern alarms on: extra alternatives, a
# different order, whitespace, quoting or parentheses do not matter; a missing event name, a
# comparison under the wrong connective, or an extra condition that narrows the match does. Clauses
# may name the event source of their service (`$.eventSource = iam.amazonaws.com`): every event with
# such a name comes from that source, so filters written with or without the source both cover.
#
# The parsed tree is walked to a fixed depth (Rego has no recursion); normalised patterns alternate
# "and" and "or" nodes, and deeper nesting than `holds_6` allows is treated as not covering.
package palisade.aws.lib.monitoring

as_list(x) := x if is_array(x)

as_list(x) := [] if not is_array(x)

# ---- comparisons, as the filter-pattern parser writes them ----

eq(field, value) := {"field": field, "cmp": "=", "value": value}

ne(field, value) := {"field": field, "cmp": "!=", "value": value}

absent(field) := {"field": field, "exists": false}

# One clause per event name, each scoped to the service's event source.
event_names(source, names) := [[eq("$.eventSource", source), eq("$.eventName", name)] | some name in names]

# ---- does a parsed pattern cover a set of clauses ----

is_node(node) if node.op in {"and", "or"}

holds_0(node, clause) if {
	not is_node(node)
	node in clause
}

holds_1(node, clause) if holds_0(node, clause)

holds_1(node, clause) if {
	node.op == "and"
	count(node.terms) > 0
	every term in node.terms {
		holds_0(term, clause)
	}
}

holds_1(node, clause) if {
	node.op == "or"
	some term in node.terms
	holds_0(term, clause)
}

holds_2(node, clause) if holds_0(node, clause)

holds_2(node, clause) if {
	node.op == "and"
	count(node.terms) > 0
	every term in node.terms {
		holds_1(term, clause)
	}
}

holds_2(node, clause) if {
	node.op == "or"
	some term in node.terms
	holds_1(term, clause)
}

holds_3(node, clause) if holds_0(node, clause)

holds_3(node, clause) if {
	node.op == "and"
	count(node.terms) > 0
	every term in node.terms {
		holds_2(term, clause)
	}
}

holds_3(node, clause) if {
	node.op == "or"
	some term in node.terms
	holds_2(term, clause)
}

holds_4(node, clause) if holds_0(node, clause)

holds_4(node, clause) if {
	node.op == "and"
	count(node.terms) > 0
	every term in node.terms {
		holds_3(term, clause)
	}
}

holds_4(node, clause) if {
	node.op == "or"
	some term in node.terms
	holds_3(term, clause)
}

holds_5(node, clause) if holds_0(node, clause)

holds_5(node, clause) if {
	node.op == "and"
	count(node.terms) > 0
	every term in node.terms {
		holds_4(term, clause)
	}
}

holds_5(node, clause) if {
	node.op == "or"
	some term in node.terms
	holds_4(term, clause)
}

holds_6(node, clause) if holds_0(node, clause)

holds_6(node, clause) if {
	node.op == "and"
	count(node.terms) > 0
	every term in node.terms {
		holds_5(term, clause)
	}
}

holds_6(node, clause) if {
	node.op == "or"
	some term in node.terms
	holds_5(term, clause)
}

# Whether the parsed pattern `parsed` matches every event described by `clauses`.
covers(parsed, clauses) if {
	is_object(parsed)
	count(clauses) > 0
	every clause in clauses {
		holds_6(parsed, clause)
	}
}

# ---- the trail -> log group -> metric filter -> alarm -> topic chain ----

trails := as_list(object.get(input.attributes, "Trails", []))

log_groups := as_list(object.get(input.attributes, "LogGroups", []))

alarms := as_list(object.get(input.attributes, "Alarms", []))

default topics := {}

topics := t if {
	t := object.get(input.attributes, "Topics", {})
	is_object(t)
}

# Trails that record management events (reads and writes) of every region and are logging now.
recording_trails contains trail if {
	some trail in trails
	trail.IsMultiRegionTrail == true
	trail.IsLogging == true
	trail.IncludesAllManagementEvents == true
}

has_group_fields(trail) if {
	is_string(trail.LogGroupName)
	is_string(trail.LogGroupRegion)
}

# The CloudWatch Logs group a trail delivers to, as {name, region}; taken from the ARN
# (arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*) when the collector did not split it.
log_group_of(trail) := {"name": trail.LogGroupName, "region": trail.LogGroupRegion} if has_group_fields(trail)

log_group_of(trail) := {"name": parts[6], "region": parts[3]} if {
	not has_group_fields(trail)
	is_string(trail.CloudWatchLogsLogGroupArn)
	parts := split(trail.CloudWatchLogsLogGroupArn, ":")
	count(parts) >= 7
}

monitored_groups contains log_group_of(trail) if some trail in recording_trails

# Every metric filter of a monitored log group, with its group.
monitored_filters contains {"group": group, "filter": filter} if {
	some lg in log_groups
	group := {"name": lg.LogGroupName, "region": lg.Region}
	group in monitored_groups
	some filter in as_list(lg.MetricFilters)
}

covering_filters(clauses) := {x | some x in monitored_filters; covers(x.filter.Parsed, clauses)}

# The metrics a filter publishes; alarms must live in the filter's region to see them.
metrics_of(x) := {{"name": m.MetricName, "namespace": m.MetricNamespace, "region": x.group.region} |
	some m in as_list(x.filter.MetricTransformations)
}

alarms_for(clauses) := {alarm |
	some x in covering_filters(clauses)
	some metric in metrics_of(x)
	some alarm in alarms
	alarm.MetricName == metric.name
	alarm.Namespace == metric.namespace
	alarm.Region == metric.region
}

# A topic has a confirmed subscription when some SubscriptionArn is an ARN (SNS lists unconfirmed
# ones as "PendingConfirmation").
subscribed(topic_arn) if {
	some subscription in as_list(object.get(topics, topic_arn, {}).Subscriptions)
	startswith(subscription.SubscriptionArn, "arn:")
}

notifies(alarm) if {
	alarm.ActionsEnabled != false
	some action in as_list(alarm.AlarmActions)
	contains(action, ":sns:")
	subscribed(action)
}

satisfied(clauses) if {
	some alarm in alarms_for(clauses)
	notifies(alarm)
}

# ---- the finding, at the first link of the chain that is missing ----

group_text(group) := sprintf("%s (%s)", [group.name, group.region])

unparsed_text := "" if {
	count({x | some x in monitored_filters; x.filter.Parsed == null}) == 0
}

unparsed_text := text if {
	reasons := sort([sprintf("%s: %v", [x.filter.FilterName, object.get(x.filter, "ParseError", "unknown error")]) |
		some x in monitored_filters
		x.filter.Parsed == null
	])
	count(reasons) > 0
	text := sprintf("; patterns that could not be parsed: %s", [concat("; ", reasons)])
}

failure(clauses, what) := msg if {
	count(recording_trails) == 0
	msg := sprintf("%s are not monitored: no CloudTrail trail is multi-region, logging and recording all management events", [what])
}

failure(clauses, what) := msg if {
	count(recording_trails) > 0
	count(monitored_groups) == 0
	names := sort([t.Name | some t in recording_trails])
	msg := sprintf("%s are not monitored: trail(s) %s do not send events to CloudWatch Logs", [what, concat(", ", names)])
}

failure(clauses, what) := msg if {
	count(monitored_groups) > 0
	count(covering_filters(clauses)) == 0
	groups := sort([group_text(g) | some g in monitored_groups])
	msg := sprintf("%s are not monitored: no metric filter on the CloudTrail log group(s) %s matches every event of the CIS pattern%s", [what, concat(", ", groups), unparsed_text])
}

failure(clauses, what) := msg if {
	count(covering_filters(clauses)) > 0
	count(alarms_for(clauses)) == 0
	filters := sort([sprintf("%s on %s", [x.filter.FilterName, group_text(x.group)]) | some x in covering_filters(clauses)])
	msg := sprintf("%s are not monitored: no CloudWatch alarm watches the metric of filter(s) %s", [what, concat(", ", filters)])
}

failure(clauses, what) := msg if {
	count(alarms_for(clauses)) > 0
	not satisfied(clauses)
	names := sort([a.AlarmName | some a in alarms_for(clauses)])
	msg := sprintf("%s are not monitored: alarm(s) %s notify no SNS topic with a confirmed subscription (or have actions disabled)", [what, concat(", ", names)])
}
