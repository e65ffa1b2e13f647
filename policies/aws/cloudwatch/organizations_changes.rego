# METADATA
# title: Ensure AWS Organizations changes are monitored
# description: >-
#   Changes to the organization (accounts, organizational units, policies, handshakes) can
#   remove guardrails from every member account. The check applies to the management account,
#   where these events are recorded; other accounts can ignore it or suppress the finding. The
#   check passes when a multi-region trail that is logging and records all management events
#   sends to a CloudWatch Logs group with such a filter, an alarm watches the filter's metric in
#   the same region, and the alarm notifies an SNS topic with at least one confirmed
#   subscription. A SIEM fed by CloudTrail may satisfy the control instead; suppress the finding
#   then.
# custom:
#   id: AWS.Account.Monitoring.OrganizationsChanges
#   severity: LOW
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     Send a multi-region trail that records all management events to a CloudWatch Logs group
#     (aws cloudtrail update-trail --cloud-watch-logs-log-group-arn ...
#     --cloud-watch-logs-role-arn ...), then add a metric filter with the pattern below on that
#     group (aws logs put-metric-filter), a metric alarm on the filter's metric (aws cloudwatch
#     put-metric-alarm, Sum >= 1 over 300 s) whose action is an SNS topic, and confirm at least
#     one subscription to the topic (aws sns subscribe). Pattern: { ($.eventSource =
#     organizations.amazonaws.com) && (($.eventName = AcceptHandshake) || ($.eventName =
#     AttachPolicy) || ($.eventName = CreateAccount) || ($.eventName = CreateOrganizationalUnit)
#     || ($.eventName = CreatePolicy) || ($.eventName = DeclineHandshake) || ($.eventName =
#     DeleteOrganization) || ($.eventName = DeleteOrganizationalUnit) || ($.eventName =
#     DeletePolicy) || ($.eventName = DetachPolicy) || ($.eventName = DisablePolicyType) ||
#     ($.eventName = EnablePolicyType) || ($.eventName = InviteAccountToOrganization) ||
#     ($.eventName = LeaveOrganization) || ($.eventName = MoveAccount) || ($.eventName =
#     RemoveAccountFromOrganization) || ($.eventName = UpdatePolicy) || ($.eventName =
#     UpdateOrganizationalUnit)) }
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html
#     - https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
#     - https://docs.aws.amazon.com/sns/latest/dg/sns-create-subscribe-endpoint-to-topic.html
#     - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_security_incident-response.html
#   compliance:
#     cis-aws-foundations-3.0: ["4.15"]
package palisade.aws.cloudwatch.organizations_changes

import data.palisade.aws.lib.monitoring

# The events the CIS pattern matches, one clause per alternative (see lib/monitoring.rego).
clauses := monitoring.event_names("organizations.amazonaws.com", [
	"AcceptHandshake",
	"AttachPolicy",
	"CreateAccount",
	"CreateOrganizationalUnit",
	"CreatePolicy",
	"DeclineHandshake",
	"DeleteOrganization",
	"DeleteOrganizationalUnit",
	"DeletePolicy",
	"DetachPolicy",
	"DisablePolicyType",
	"EnablePolicyType",
	"InviteAccountToOrganization",
	"LeaveOrganization",
	"MoveAccount",
	"RemoveAccountFromOrganization",
	"UpdatePolicy",
	"UpdateOrganizationalUnit",
])

deny contains msg if {
	msg := monitoring.failure(clauses, "AWS Organizations changes")
}
