# METADATA
# title: Ensure CloudTrail logs are encrypted at rest using KMS CMKs
# description: >-
#   With SSE-KMS and a customer managed key, reading CloudTrail logs needs kms:Decrypt on that key
#   as well as read access to the bucket, which keeps the audit trail away from anyone who merely
#   can read S3. Every trail must name a KMS key.
# custom:
#   id: AWS.CloudTrail.Trail.KMSEncryption
#   severity: MEDIUM
#   resource_types: [AWS.CloudTrail.Trail]
#   remediation: >-
#     Create a customer managed key whose key policy lets cloudtrail.amazonaws.com encrypt
#     (kms:GenerateDataKey*) and describe it and lets log readers decrypt, then aws cloudtrail
#     update-trail --name TRAIL --kms-key-id KEY. The key must be in the bucket's region.
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.5"]
package palisade.aws.cloudtrail.trail_kms_encryption

deny contains msg if {
	not is_string(object.get(input.attributes, "KmsKeyId", null))
	msg := sprintf("trail %s does not encrypt its logs with a KMS key (SSE-S3 only)", [input.name])
}

deny contains msg if {
	input.attributes.KmsKeyId == ""
	msg := sprintf("trail %s does not encrypt its logs with a KMS key (SSE-S3 only)", [input.name])
}
