package palisade.aws.rds.instance_storage_encrypted_test

import data.palisade.aws.rds.instance_storage_encrypted as policy

db(fields) := {"name": "orders", "type": "AWS.RDS.DBInstance", "attributes": object.union({
	"DBInstanceIdentifier": "orders", "Engine": "postgres", "DBClusterIdentifier": null,
	"StorageEncrypted": true, "KmsKeyId": "arn:aws:kms:eu-west-1:111122223333:key/k",
	"PubliclyAccessible": false, "AutoMinorVersionUpgrade": true,
	"Endpoint": {"Address": "orders.abc.eu-west-1.rds.amazonaws.com", "Port": 5432},
}, fields)}

test_encrypted_passes if {
	count(policy.deny) == 0 with input as db({})
}

test_unencrypted_fails if {
	policy.deny == {"RDS instance orders does not encrypt its storage"} with input as db({"StorageEncrypted": false, "KmsKeyId": null})
}

test_aurora_member_of_unencrypted_cluster_fails if {
	count(policy.deny) == 1 with input as db({"Engine": "aurora-postgresql", "DBClusterIdentifier": "c1", "StorageEncrypted": false})
}

test_unknown_fails if {
	count(policy.deny) == 1 with input as db({"StorageEncrypted": null})
}
