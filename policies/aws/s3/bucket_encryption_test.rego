package palisade.aws.s3.bucket_encryption_test

import data.palisade.aws.s3.bucket_encryption

bucket(encryption) := {"name": "b", "type": "AWS.S3.Bucket", "attributes": {"Name": "b", "Encryption": encryption}}

rule(algorithm) := {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm, "KMSMasterKeyID": null}}

test_no_encryption_fails if {
	count(bucket_encryption.deny) == 1 with input as bucket(null)
}

test_missing_attribute_fails if {
	count(bucket_encryption.deny) == 1 with input as {"name": "b", "attributes": {}}
}

test_empty_rules_fail if {
	count(bucket_encryption.deny) == 1 with input as bucket({"Rules": []})
}

test_sse_s3_passes if {
	count(bucket_encryption.deny) == 0 with input as bucket({"Rules": [rule("AES256")]})
}

test_sse_kms_passes if {
	count(bucket_encryption.deny) == 0 with input as bucket({"Rules": [rule("aws:kms")]})
}

test_dsse_kms_passes if {
	count(bucket_encryption.deny) == 0 with input as bucket({"Rules": [rule("aws:kms:dsse")]})
}

test_unknown_algorithm_fails if {
	count(bucket_encryption.deny) == 1 with input as bucket({"Rules": [rule("NONE")]})
}

test_message_names_bucket if {
	bucket_encryption.deny == {"bucket b has no default encryption rule"} with input as bucket(null)
}
