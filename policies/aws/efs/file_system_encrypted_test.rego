package palisade.aws.efs.file_system_encrypted_test

import data.palisade.aws.efs.file_system_encrypted as policy

fs(encrypted) := {"name": "shared", "type": "AWS.EFS.FileSystem", "attributes": {"FileSystemId": "fs-1", "Encrypted": encrypted, "KmsKeyId": null, "LifeCycleState": "available"}}

test_encrypted_passes if {
	count(policy.deny) == 0 with input as fs(true)
}

test_unencrypted_fails if {
	policy.deny == {"EFS file system shared is not encrypted at rest"} with input as fs(false)
}

test_unknown_fails if {
	count(policy.deny) == 1 with input as fs(null)
}
