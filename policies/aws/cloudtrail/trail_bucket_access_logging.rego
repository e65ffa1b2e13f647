# METADATA
# title: Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket
# description: >-
#   Server access logs of the bucket CloudTrail writes to record who read, changed or deleted the
#   audit logs themselves, which CloudTrail's management events do not show. Every trail's bucket
#   must have server access logging on, preferably to a separate bucket. Buckets whose logging
#   setting could not be read (for example a bucket in another account of the organization) are
#   not judged here; check them in the account that owns them.
# custom:
#   id: AWS.Account.Monitoring.TrailBucketAccessLogging
#   severity: LOW
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     aws s3api put-bucket-logging --bucket TRAIL_BUCKET --bucket-logging-status
#     '{"LoggingEnabled": {"TargetBucket": "LOG_BUCKET", "TargetPrefix": "cloudtrail-bucket/"}}'
#     (the target bucket must allow the S3 logging service to write).
#   references:
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.4"]
package palisade.aws.cloudtrail.trail_bucket_access_logging

import data.palisade.aws.lib.monitoring

unlogged_buckets contains t.S3BucketName if {
	some t in monitoring.trails
	t.S3BucketLoggingEnabled == false
}

deny contains msg if {
	some bucket in unlogged_buckets
	trails := sort([t.Name | some t in monitoring.trails; t.S3BucketName == bucket])
	msg := sprintf("CloudTrail bucket %s (trail %s) has no server access logging", [bucket, concat(", ", trails)])
}
