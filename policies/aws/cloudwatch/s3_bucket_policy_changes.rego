# METADATA
# title: Ensure S3 bucket policy changes are monitored
# description: >-
#   Changes to bucket policies, ACLs, CORS, lifecycle and replication can expose or destroy
#   data; alerting on them shortens the time a permissive policy stays in place. The check
#   passes when a multi-region trail that is logging and records all management events sends to
#   a CloudWatch Logs group with such a filter, an alarm watches the filter's metric in the same
#   region, and the alarm notifies an SNS topic with at least one confirmed subscription. A SIEM
#   fed by CloudTrail may satisfy the control instead; suppress the finding then.
# custom:
#   id: AWS.Account.Monitoring.S3BucketPolicyChanges
#   severity: LOW
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     Send a multi-region trail that records all management events to a CloudWatch Logs group
#     (aws cloudtrail update-trail --cloud-watch-logs-log-group-arn ...
#     --cloud-watch-logs-role-arn ...), then add a metric filter with the pattern below on that
#     group (aws logs put-metric-filter), a metric alarm on the filter's metric (aws cloudwatch
#     put-metric-alarm, Sum >= 1 over 300 s) whose action is an SNS topic, and confirm at least
#     one subscription to the topic (aws sns subscribe). Pattern: { ($.eventSource =
#     s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) ||
#     ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName =
#     PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName =
#     DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName =
#     DeleteBucketReplication)) }
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html
#     - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
#     - https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html
#   compliance:
#     cis-aws-foundations-3.0: ["4.8"]
package palisade.aws.cloudwatch.s3_bucket_policy_changes

import data.palisade.aws.lib.monitoring

# The events the CIS pattern matches, one clause per alternative (see lib/monitoring.rego).
clauses := monitoring.event_names("s3.amazonaws.com", [
	"PutBucketAcl",
	"PutBucketPolicy",
	"PutBucketCors",
	"PutBucketLifecycle",
	"PutBucketReplication",
	"DeleteBucketPolicy",
	"DeleteBucketCors",
	"DeleteBucketLifecycle",
	"DeleteBucketReplication",
])

deny contains msg if {
	msg := monitoring.failure(clauses, "S3 bucket policy changes")
}
