package palisade.aws.s3.bucket_public_access_block_test

import data.palisade.aws.s3.bucket_public_access_block as policy

bucket(own, account) := {"name": "b", "type": "AWS.S3.Bucket", "attributes": {"Name": "b", "PublicAccessBlock": own, "AccountPublicAccessBlock": account}}

pab(acls, ignore, pol, restrict) := {"BlockPublicAcls": acls, "IgnorePublicAcls": ignore, "BlockPublicPolicy": pol, "RestrictPublicBuckets": restrict}

all_on := pab(true, true, true, true)

all_off := pab(false, false, false, false)

test_bucket_settings_all_on_pass if {
	count(policy.deny) == 0 with input as bucket(all_on, null)
}

test_account_settings_make_bucket_compliant if {
	count(policy.deny) == 0 with input as bucket(null, all_on)
	count(policy.deny) == 0 with input as bucket(all_off, all_on)
}

test_nothing_set_fails if {
	policy.deny == {"bucket b does not block public access: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off at both bucket and account level"} with input as bucket(null, null)
}

test_one_switch_off_fails if {
	policy.deny == {"bucket b does not block public access: RestrictPublicBuckets off at both bucket and account level"} with input as bucket(pab(true, true, true, false), null)
}

test_switches_combine_across_levels if {
	count(policy.deny) == 0 with input as bucket(pab(true, true, false, false), pab(false, false, true, true))
}

test_switch_off_at_both_levels_fails if {
	policy.deny == {"bucket b does not block public access: BlockPublicPolicy off at both bucket and account level"} with input as bucket(pab(true, true, false, true), pab(true, true, false, false))
}

test_missing_attributes_fail if {
	count(policy.deny) == 1 with input as {"name": "b", "attributes": {}}
}
