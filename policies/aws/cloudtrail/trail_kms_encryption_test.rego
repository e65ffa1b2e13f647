package palisade.aws.cloudtrail.trail_kms_encryption_test

import data.palisade.aws.cloudtrail.trail_kms_encryption as policy

trail(key) := {"name": "main", "type": "AWS.CloudTrail.Trail", "attributes": {"Name": "main", "KmsKeyId": key}}

test_kms_key_passes if {
	count(policy.deny) == 0 with input as trail("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
}

test_sse_s3_only_fails if {
	policy.deny == {"trail main does not encrypt its logs with a KMS key (SSE-S3 only)"} with input as trail(null)
}

test_empty_key_fails if {
	count(policy.deny) == 1 with input as trail("")
}
