# METADATA
# title: Ensure EBS volume encryption is enabled in all regions
# description: >-
#   With encryption by default, every new EBS volume and snapshot copy in the region is encrypted,
#   whoever creates it and however. The setting is per region, and every region needs it on.
#   Existing unencrypted volumes are not converted.
# custom:
#   id: AWS.Region.EC2.EbsEncryptionByDefault
#   severity: MEDIUM
#   resource_types: [AWS.Region.EC2]
#   remediation: >-
#     In every region: aws ec2 enable-ebs-encryption-by-default --region REGION (optionally choose
#     a customer managed key with aws ec2 modify-ebs-default-kms-key-id). Then replace unencrypted
#     volumes by restoring encrypted copies of their snapshots.
#   remediation_id: ec2-enable-ebs-encryption-by-default
#   references:
#     - https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html
#   compliance:
#     cis-aws-foundations-3.0: ["2.2.1"]
package palisade.aws.ec2.ebs_encryption_by_default

deny contains msg if {
	input.attributes.EbsEncryptionByDefault != true
	msg := sprintf("EBS encryption by default is off in %s", [input.region])
}
