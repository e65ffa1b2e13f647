# METADATA
# title: S3 bucket has default encryption
# description: >-
#   Every S3 bucket should have a default encryption rule (SSE-S3, SSE-KMS or DSSE-KMS) so that
#   objects written without encryption headers are still encrypted at rest.
# custom:
#   id: AWS.S3.Bucket.Encryption
#   severity: MEDIUM
#   resource_types: [AWS.S3.Bucket]
#   remediation: >-
#     Enable default encryption: aws s3api put-bucket-encryption --bucket BUCKET
#     --server-side-encryption-configuration
#     '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
#     (or aws:kms with a KMSMasterKeyID).
#   remediation_id: s3-enable-default-encryption
#   references:
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html
#   compliance:
#     cis-aws-foundations-1.4: ["2.1.1"]
package palisade.aws.s3.bucket_encryption

encryption_algorithms := {"AES256", "aws:kms", "aws:kms:dsse"}

has_default_encryption if {
	some rule in input.attributes.Encryption.Rules
	rule.ApplyServerSideEncryptionByDefault.SSEAlgorithm in encryption_algorithms
}

deny contains msg if {
	not has_default_encryption
	msg := sprintf("bucket %s has no default encryption rule", [input.name])
}
