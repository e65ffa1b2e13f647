package palisade.aws.cloudtrail.trail_log_file_validation_test

import data.palisade.aws.cloudtrail.trail_log_file_validation as policy

trail(validation) := {"name": "main", "type": "AWS.CloudTrail.Trail", "attributes": {"Name": "main", "LogFileValidationEnabled": validation}}

test_validation_on_passes if {
	count(policy.deny) == 0 with input as trail(true)
}

test_validation_off_fails if {
	policy.deny == {"trail main does not validate its log files"} with input as trail(false)
}

test_unknown_fails if {
	count(policy.deny) == 1 with input as trail(null)
}
