package palisade.aws.cloudtrail.s3_object_read_logging_test

import data.palisade.aws.cloudtrail.s3_object_read_logging as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

trail(fields) := object.union(fx.trail, fields)

test_read_events_logged_passes if {
	acct := fx.monitoring([trail({"DataEvents": {"S3Write": false, "S3Read": true}})], [], [], {})
	count(policy.deny) == 0 with input as acct
}

test_write_events_only_fail if {
	acct := fx.monitoring([trail({"DataEvents": {"S3Write": true, "S3Read": false}})], [], [], {})
	policy.deny == {"no multi-region trail that is logging records S3 object-level read events for all buckets"} with input as acct
}

test_read_events_on_a_second_trail_pass if {
	acct := fx.monitoring([trail({"Name": "mgmt", "DataEvents": {"S3Write": false, "S3Read": false}}), trail({"Name": "data", "DataEvents": {"S3Write": false, "S3Read": true}})], [], [], {})
	count(policy.deny) == 0 with input as acct
}

test_single_region_trail_does_not_count if {
	acct := fx.monitoring([trail({"IsMultiRegionTrail": false})], [], [], {})
	count(policy.deny) == 1 with input as acct
}

test_no_trail_fails if {
	acct := fx.monitoring([], [], [], {})
	count(policy.deny) == 1 with input as acct
}
