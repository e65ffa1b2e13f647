# METADATA
# title: Ensure that S3 Buckets are configured with 'Block public access (bucket settings)'
# description: >-
#   Block Public Access stops ACLs and bucket policies from making a bucket or its objects public,
#   whatever an individual grant says. S3 applies the stricter of the bucket's and the account's
#   settings, so each of the four switches (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy,
#   RestrictPublicBuckets) must be on at the bucket level or the account level. A bucket that must
#   be public, such as a website origin, should use CloudFront with origin access control instead.
# custom:
#   id: AWS.S3.Bucket.BlockPublicAccess
#   severity: HIGH
#   resource_types: [AWS.S3.Bucket]
#   remediation: >-
#     Turn on all four switches for the whole account (aws s3control put-public-access-block
#     --account-id ACCOUNT --public-access-block-configuration
#     BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true)
#     or for the bucket (aws s3api put-public-access-block --bucket BUCKET with the same
#     configuration).
#   remediation_id: s3-block-public-access
#   references:
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html
#   compliance:
#     cis-aws-foundations-3.0: ["2.1.4"]
package palisade.aws.s3.bucket_public_access_block

switches := ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]

settings(key) := s if {
	s := object.get(input.attributes, key, null)
	is_object(s)
}

settings(key) := {} if not is_object(object.get(input.attributes, key, null))

on(switch) if settings("PublicAccessBlock")[switch] == true

on(switch) if settings("AccountPublicAccessBlock")[switch] == true

deny contains msg if {
	off := [s | some s in switches; not on(s)]
	count(off) > 0
	msg := sprintf("bucket %s does not block public access: %s off at both bucket and account level", [input.name, concat(", ", off)])
}
