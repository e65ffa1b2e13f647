package palisade.aws.cloudtrail.multi_region_trail_test

import data.palisade.aws.cloudtrail.multi_region_trail as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

with_trails(trails) := fx.monitoring(trails, [], [], {})

trail(name, fields) := object.union(fx.trail, object.union({"Name": name}, fields))

test_good_trail_passes if {
	acct := with_trails([trail("main", {})])
	count(policy.deny) == 0 with input as acct
}

test_no_trail_fails if {
	acct := with_trails([])
	policy.deny == {"no CloudTrail trail exists"} with input as acct
}

test_each_shortfall_is_named if {
	acct := with_trails([
		trail("regional", {"IsMultiRegionTrail": false}),
		trail("stopped", {"IsLogging": false, "IncludesAllManagementEvents": false}),
	])
	policy.deny == {"no CloudTrail trail is multi-region, logging and recording all management events (regional: not multi-region; stopped: not logging, not recording all management events)"} with input as acct
}

test_write_only_management_events_fail if {
	acct := with_trails([trail("main", {"IncludesAllManagementEvents": false})])
	count(policy.deny) == 1 with input as acct
}

test_one_good_trail_among_bad_ones_passes if {
	acct := with_trails([trail("regional", {"IsMultiRegionTrail": false}), trail("main", {})])
	count(policy.deny) == 0 with input as acct
}

test_trail_without_cloudwatch_logs_still_passes if {
	acct := with_trails([trail("main", {"CloudWatchLogsLogGroupArn": null, "LogGroupName": null, "LogGroupRegion": null})])
	count(policy.deny) == 0 with input as acct
}

test_missing_trail_list_fails if {
	count(policy.deny) == 1 with input as {"attributes": {"Trails": null}}
}
