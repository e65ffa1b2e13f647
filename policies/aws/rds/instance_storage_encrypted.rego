# METADATA
# title: Ensure that encryption-at-rest is enabled for RDS Instances
# description: >-
#   Databases hold the most sensitive data. With storage encryption, the instance's storage,
#   automated backups, read replicas and snapshots are encrypted with a KMS key. It can only be
#   chosen when an instance is created.
# custom:
#   id: AWS.RDS.DBInstance.StorageEncrypted
#   severity: MEDIUM
#   resource_types: [AWS.RDS.DBInstance]
#   remediation: >-
#     Take a snapshot (aws rds create-db-snapshot), copy it with encryption (aws rds
#     copy-db-snapshot --kms-key-id KEY), restore a new instance from the encrypted copy (aws rds
#     restore-db-instance-from-db-snapshot), move clients to it, then delete the old instance.
#   references:
#     - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
#   compliance:
#     cis-aws-foundations-3.0: ["2.3.1"]
package palisade.aws.rds.instance_storage_encrypted

deny contains msg if {
	input.attributes.StorageEncrypted != true
	msg := sprintf("RDS instance %s does not encrypt its storage", [input.name])
}
