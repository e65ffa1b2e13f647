package palisade.aws.s3.bucket_mfa_delete_test

import data.palisade.aws.s3.bucket_mfa_delete as policy

bucket(versioning) := {"name": "b", "type": "AWS.S3.Bucket", "attributes": {"Name": "b", "Versioning": versioning}}

test_mfa_delete_enabled_passes if {
	count(policy.deny) == 0 with input as bucket({"Status": "Enabled", "MFADelete": "Enabled"})
}

test_versioning_without_mfa_delete_fails if {
	policy.deny == {"bucket b has versioning without MFA Delete"} with input as bucket({"Status": "Enabled", "MFADelete": "Disabled"})
}

test_mfa_delete_never_configured_fails if {
	count(policy.deny) == 1 with input as bucket({"Status": "Enabled", "MFADelete": null})
}

test_versioning_never_enabled_fails if {
	policy.deny == {"bucket b does not have versioning enabled, so MFA Delete is off"} with input as bucket({"Status": null, "MFADelete": null})
}

test_suspended_versioning_fails if {
	count(policy.deny) == 1 with input as bucket({"Status": "Suspended", "MFADelete": "Enabled"})
}

test_missing_versioning_fails if {
	count(policy.deny) == 1 with input as bucket(null)
}
