# METADATA
# title: Ensure unauthorized API calls are monitored
# description: >-
#   Calls refused with an UnauthorizedOperation or AccessDenied error reveal misconfigured
#   applications and attackers probing stolen credentials. A metric filter must match every
#   error the CIS pattern matches: *UnauthorizedOperation errors, and AccessDenied* errors other
#   than log delivery and HeadBucket calls (the exclusions may apply to both error codes, or be
#   left out). The check passes when a multi-region trail that is logging and records all
#   management events sends to a CloudWatch Logs group with such a filter, an alarm watches the
#   filter's metric in the same region, and the alarm notifies an SNS topic with at least one
#   confirmed subscription. A SIEM fed by CloudTrail may satisfy the control instead; suppress
#   the finding then.
# custom:
#   id: AWS.Account.Monitoring.UnauthorizedAPICalls
#   severity: LOW
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     Send a multi-region trail that records all management events to a CloudWatch Logs group
#     (aws cloudtrail update-trail --cloud-watch-logs-log-group-arn ...
#     --cloud-watch-logs-role-arn ...), then add a metric filter with the pattern below on that
#     group (aws logs put-metric-filter), a metric alarm on the filter's metric (aws cloudwatch
#     put-metric-alarm, Sum >= 1 over 300 s) whose action is an SNS topic, and confirm at least
#     one subscription to the topic (aws sns subscribe). Pattern: { ($.errorCode =
#     "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress !=
#     "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html
#     - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
#     - https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html
#   compliance:
#     cis-aws-foundations-3.0: ["4.1"]
package palisade.aws.cloudwatch.unauthorized_api_calls

import data.palisade.aws.lib.monitoring

# The events the CIS pattern matches, one clause per alternative (see lib/monitoring.rego).
clauses := [
	[
		monitoring.eq("$.errorCode", "*UnauthorizedOperation"),
		monitoring.ne("$.sourceIPAddress", "delivery.logs.amazonaws.com"),
		monitoring.ne("$.eventName", "HeadBucket"),
	],
	[
		monitoring.eq("$.errorCode", "AccessDenied*"),
		monitoring.ne("$.sourceIPAddress", "delivery.logs.amazonaws.com"),
		monitoring.ne("$.eventName", "HeadBucket"),
	],
]

deny contains msg if {
	msg := monitoring.failure(clauses, "unauthorized API calls")
}
