# METADATA
# title: Ensure disabling or scheduled deletion of customer created CMKs is monitored
# description: >-
#   Data encrypted under a disabled or deleted KMS key can no longer be read; an alert on
#   DisableKey and ScheduleKeyDeletion leaves time to cancel a deletion before the data is lost.
#   The check passes when a multi-region trail that is logging and records all management events
#   sends to a CloudWatch Logs group with such a filter, an alarm watches the filter's metric in
#   the same region, and the alarm notifies an SNS topic with at least one confirmed
#   subscription. A SIEM fed by CloudTrail may satisfy the control instead; suppress the finding
#   then.
# custom:
#   id: AWS.Account.Monitoring.CMKDisableOrScheduledDeletion
#   severity: LOW
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     Send a multi-region trail that records all management events to a CloudWatch Logs group
#     (aws cloudtrail update-trail --cloud-watch-logs-log-group-arn ...
#     --cloud-watch-logs-role-arn ...), then add a metric filter with the pattern below on that
#     group (aws logs put-metric-filter), a metric alarm on the filter's metric (aws cloudwatch
#     put-metric-alarm, Sum >= 1 over 300 s) whose action is an SNS topic, and confirm at least
#     one subscription to the topic (aws sns subscribe). Pattern: { ($.eventSource =
#     kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion))
#     }
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html
#     - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
#     - https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html
#   compliance:
#     cis-aws-foundations-3.0: ["4.7"]
package palisade.aws.cloudwatch.cmk_disable_or_deletion

import data.palisade.aws.lib.monitoring

# The events the CIS pattern matches, one clause per alternative (see lib/monitoring.rego).
clauses := monitoring.event_names("kms.amazonaws.com", [
	"DisableKey",
	"ScheduleKeyDeletion",
])

deny contains msg if {
	msg := monitoring.failure(clauses, "disabling or scheduled deletion of KMS keys")
}
