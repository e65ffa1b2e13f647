package palisade.aws.ec2.ebs_encryption_by_default_test

import data.palisade.aws.ec2.ebs_encryption_by_default as policy

region(enabled) := {"name": "eu-west-1", "region": "eu-west-1", "type": "AWS.Region.EC2", "attributes": {"EbsEncryptionByDefault": enabled, "EbsDefaultKmsKeyId": "alias/aws/ebs"}}

test_enabled_passes if {
	count(policy.deny) == 0 with input as region(true)
}

test_disabled_fails if {
	policy.deny == {"EBS encryption by default is off in eu-west-1"} with input as region(false)
}

test_unknown_fails if {
	count(policy.deny) == 1 with input as region(null)
}
