package palisade.aws.kms.key_rotation_test

import data.palisade.aws.kms.key_rotation as policy

key(fields) := {"name": "alias/app", "type": "AWS.KMS.Key", "attributes": object.union({
	"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "KeyManager": "CUSTOMER", "KeyState": "Enabled", "Enabled": true,
	"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Origin": "AWS_KMS",
	"KeyRotationEnabled": true, "RotationPeriodInDays": 365,
}, fields)}

test_rotating_key_passes if {
	policy.applies with input as key({})
	count(policy.deny) == 0 with input as key({})
}

test_key_without_rotation_fails if {
	policy.deny == {"KMS key alias/app (1234abcd-12ab-34cd-56ef-1234567890ab) does not rotate its key material automatically"} with input as key({"KeyRotationEnabled": false, "RotationPeriodInDays": null})
}

test_disabled_key_without_rotation_still_fails if {
	count(policy.deny) == 1 with input as key({"KeyState": "Disabled", "Enabled": false, "KeyRotationEnabled": false})
}

test_aws_managed_key_does_not_apply if {
	policy.applies == false with input as key({"KeyManager": "AWS", "KeyRotationEnabled": null})
	count(policy.deny) == 0 with input as key({"KeyManager": "AWS", "KeyRotationEnabled": null})
}

test_key_pending_deletion_does_not_apply if {
	policy.applies == false with input as key({"KeyState": "PendingDeletion", "Enabled": false, "KeyRotationEnabled": false})
	count(policy.deny) == 0 with input as key({"KeyState": "PendingDeletion", "Enabled": false, "KeyRotationEnabled": false})
}

test_asymmetric_key_does_not_apply if {
	policy.applies == false with input as key({"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY", "KeyRotationEnabled": null})
}

test_imported_material_does_not_apply if {
	policy.applies == false with input as key({"Origin": "EXTERNAL", "KeyRotationEnabled": null})
}
