# METADATA
# title: Ensure IAM policy changes are monitored
# description: >-
#   Changes to IAM policies (inline, managed, versions and attachments) alter who may do what;
#   alerting on them helps keep authentication and authorization controls intact. The filter
#   must match all sixteen IAM events of the CIS pattern (scoping them to iam.amazonaws.com is
#   accepted). The check passes when a multi-region trail that is logging and records all
#   management events sends to a CloudWatch Logs group with such a filter, an alarm watches the
#   filter's metric in the same region, and the alarm notifies an SNS topic with at least one
#   confirmed subscription. A SIEM fed by CloudTrail may satisfy the control instead; suppress
#   the finding then.
# custom:
#   id: AWS.Account.Monitoring.IAMPolicyChanges
#   severity: LOW
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     Send a multi-region trail that records all management events to a CloudWatch Logs group
#     (aws cloudtrail update-trail --cloud-watch-logs-log-group-arn ...
#     --cloud-watch-logs-role-arn ...), then add a metric filter with the pattern below on that
#     group (aws logs put-metric-filter), a metric alarm on the filter's metric (aws cloudwatch
#     put-metric-alarm, Sum >= 1 over 300 s) whose action is an SNS topic, and confirm at least
#     one subscription to the topic (aws sns subscribe). Pattern: { ($.eventName =
#     DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy)
#     || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName =
#     PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) ||
#     ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName
#     = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName =
#     AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy)
#     || ($.eventName = DetachGroupPolicy) }
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html
#     - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
#     - https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html
#   compliance:
#     cis-aws-foundations-3.0: ["4.4"]
package palisade.aws.cloudwatch.iam_policy_changes

import data.palisade.aws.lib.monitoring

# The events the CIS pattern matches, one clause per alternative (see lib/monitoring.rego).
clauses := monitoring.event_names("iam.amazonaws.com", [
	"DeleteGroupPolicy",
	"DeleteRolePolicy",
	"DeleteUserPolicy",
	"PutGroupPolicy",
	"PutRolePolicy",
	"PutUserPolicy",
	"CreatePolicy",
	"DeletePolicy",
	"CreatePolicyVersion",
	"DeletePolicyVersion",
	"AttachRolePolicy",
	"DetachRolePolicy",
	"AttachUserPolicy",
	"DetachUserPolicy",
	"AttachGroupPolicy",
	"DetachGroupPolicy",
])

deny contains msg if {
	msg := monitoring.failure(clauses, "IAM policy changes")
}
