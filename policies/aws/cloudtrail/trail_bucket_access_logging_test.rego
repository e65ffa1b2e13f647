package palisade.aws.cloudtrail.trail_bucket_access_logging_test

import data.palisade.aws.cloudtrail.trail_bucket_access_logging as policy
import data.palisade.aws.lib.monitoring_fixtures as fx

trail(name, bucket, logging) := object.union(fx.trail, {"Name": name, "S3BucketName": bucket, "S3BucketLoggingEnabled": logging})

test_logged_bucket_passes if {
	acct := fx.monitoring([trail("main", "ct-logs", true)], [], [], {})
	count(policy.deny) == 0 with input as acct
}

test_unlogged_bucket_fails if {
	acct := fx.monitoring([trail("main", "ct-logs", false)], [], [], {})
	policy.deny == {"CloudTrail bucket ct-logs (trail main) has no server access logging"} with input as acct
}

test_shared_bucket_is_reported_once if {
	acct := fx.monitoring([trail("a", "ct-logs", false), trail("b", "ct-logs", false)], [], [], {})
	policy.deny == {"CloudTrail bucket ct-logs (trail a, b) has no server access logging"} with input as acct
}

test_each_unlogged_bucket_is_reported if {
	acct := fx.monitoring([trail("a", "one", false), trail("b", "two", false), trail("c", "three", true)], [], [], {})
	count(policy.deny) == 2 with input as acct
}

test_unreadable_bucket_is_not_judged if {
	acct := fx.monitoring([trail("org", "org-trail-bucket", null)], [], [], {})
	count(policy.deny) == 0 with input as acct
}

test_no_trails_pass_here if {
	acct := fx.monitoring([], [], [], {})
	count(policy.deny) == 0 with input as acct
}
