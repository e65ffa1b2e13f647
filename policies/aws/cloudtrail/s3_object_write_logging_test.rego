package palisade.aws.cloudtrail.s3_object_write_logging_test

import data.palisade.aws.cloudtrail.s3_object_write_logging as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

trail(fields) := object.union(fx.trail, fields)

msg := "no multi-region trail that is logging records S3 object-level write events for all buckets"

test_write_events_logged_passes if {
	acct := fx.monitoring([trail({"DataEvents": {"S3Write": true, "S3Read": false}})], [], [], {})
	count(policy.deny) == 0 with input as acct
}

test_read_events_only_fail if {
	acct := fx.monitoring([trail({"DataEvents": {"S3Write": false, "S3Read": true}})], [], [], {})
	m := msg
	policy.deny == {m} with input as acct
}

test_single_region_trail_does_not_count if {
	acct := fx.monitoring([trail({"IsMultiRegionTrail": false})], [], [], {})
	count(policy.deny) == 1 with input as acct
}

test_stopped_trail_does_not_count if {
	acct := fx.monitoring([trail({"IsLogging": false})], [], [], {})
	count(policy.deny) == 1 with input as acct
}

test_missing_data_events_fail if {
	acct := fx.monitoring([trail({"DataEvents": null})], [], [], {})
	count(policy.deny) == 1 with input as acct
}

test_no_trail_fails if {
	acct := fx.monitoring([], [], [], {})
	count(policy.deny) == 1 with input as acct
}
