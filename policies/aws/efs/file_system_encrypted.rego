# METADATA
# title: Ensure that encryption is enabled for EFS file systems
# description: >-
#   EFS data at rest should be encrypted with a KMS key so that it stays protected on the
#   underlying storage and access to it can also be governed through the key. Encryption can only
#   be chosen when a file system is created.
# custom:
#   id: AWS.EFS.FileSystem.Encrypted
#   severity: MEDIUM
#   resource_types: [AWS.EFS.FileSystem]
#   remediation: >-
#     Create a new encrypted file system (aws efs create-file-system --encrypted, optionally
#     --kms-key-id KEY) with mount targets in the same subnets, copy the data across (for example
#     with AWS DataSync), move clients to it and delete the unencrypted one.
#   references:
#     - https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html
#   compliance:
#     cis-aws-foundations-3.0: ["2.4.1"]
package palisade.aws.efs.file_system_encrypted

deny contains msg if {
	input.attributes.Encrypted != true
	msg := sprintf("EFS file system %s is not encrypted at rest", [input.name])
}
