# METADATA
# title: Ensure MFA Delete is enabled on S3 buckets
# description: >-
#   With MFA Delete, permanently deleting an object version or changing the bucket's versioning
#   state needs the root user's MFA code as well as credentials, so stolen keys alone cannot wipe
#   versioned data. Versioning must be Enabled and MFADelete Enabled. CIS assesses this control by
#   hand and recommends it for buckets with sensitive data; suppress the finding for other buckets.
# custom:
#   id: AWS.S3.Bucket.MFADelete
#   severity: LOW
#   resource_types: [AWS.S3.Bucket]
#   remediation: >-
#     As the root user, with its MFA device: aws s3api put-bucket-versioning --bucket BUCKET
#     --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa "SERIAL CODE". It cannot
#     be set from the console. Buckets with lifecycle rules cannot use MFA Delete; consider S3
#     Object Lock for them.
#   references:
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html
#   compliance:
#     cis-aws-foundations-3.0: ["2.1.2"]
package palisade.aws.s3.bucket_mfa_delete

default versioning := {}

versioning := v if {
	v := object.get(input.attributes, "Versioning", null)
	is_object(v)
}

deny contains msg if {
	object.get(versioning, "Status", null) != "Enabled"
	msg := sprintf("bucket %s does not have versioning enabled, so MFA Delete is off", [input.name])
}

deny contains msg if {
	versioning.Status == "Enabled"
	object.get(versioning, "MFADelete", null) != "Enabled"
	msg := sprintf("bucket %s has versioning without MFA Delete", [input.name])
}
