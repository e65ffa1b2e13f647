# Test fixtures for the section 4 (monitoring) policies: an AWS.Account.Monitoring resource with
# one multi-region trail sending to log group "ct" in us-east-1, and the CIS v3.0.0 filter patterns
# written as the collector's parser returns them (normalised trees). No test_ rules here.
package palisade.aws.lib.monitoring_fixtures

eq(field, value) := {"field": field, "cmp": "=", "value": value}

ne(field, value) := {"field": field, "cmp": "!=", "value": value}

and_(terms) := {"op": "and", "terms": terms}

or_(terms) := {"op": "or", "terms": terms}

names(list) := [eq("$.eventName", n) | some n in list]

# `{ ($.eventSource = SOURCE) && (($.eventName = A) || ...) }`
scoped(source, list) := and_([eq("$.eventSource", source), or_(names(list))])

topic_arn := "arn:aws:sns:us-east-1:111122223333:security-alerts"

trail := {
	"TrailARN": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main",
	"Name": "main",
	"HomeRegion": "us-east-1",
	"IsMultiRegionTrail": true,
	"IsLogging": true,
	"CloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111122223333:log-group:ct:*",
	"LogGroupName": "ct",
	"LogGroupRegion": "us-east-1",
	"IncludesAllManagementEvents": true,
	"S3BucketName": "ct-logs",
	"S3BucketLoggingEnabled": true,
	"DataEvents": {"S3Write": true, "S3Read": true},
}

filter(name, parsed) := {
	"FilterName": name,
	"FilterPattern": "(see Parsed)",
	"Parsed": parsed,
	"ParseError": null,
	"MetricTransformations": [{"MetricName": name, "MetricNamespace": "CISBenchmark"}],
}

alarm(metric) := {
	"AlarmName": sprintf("%s-alarm", [metric]),
	"AlarmArn": sprintf("arn:aws:cloudwatch:us-east-1:111122223333:alarm:%s-alarm", [metric]),
	"Region": "us-east-1",
	"MetricName": metric,
	"Namespace": "CISBenchmark",
	"StateValue": "OK",
	"ActionsEnabled": true,
	"AlarmActions": [topic_arn],
}

subscribed_topics := {topic_arn: {"Subscriptions": [{
	"SubscriptionArn": sprintf("%s:5f1c1d2e", [topic_arn]),
	"Protocol": "email",
	"Endpoint": "security@example.com",
}]}}

monitoring(trails, groups, alarms, topics) := {
	"id": "arn:aws:cloudwatch::111122223333:monitoring",
	"type": "AWS.Account.Monitoring",
	"name": "monitoring",
	"attributes": {"Trails": trails, "LogGroups": groups, "Alarms": alarms, "Topics": topics},
}

# The whole chain for one filter pattern: trail -> "ct" -> filter "cis" -> alarm -> subscribed topic.
account(parsed) := monitoring(
	[trail],
	[{"LogGroupName": "ct", "Region": "us-east-1", "MetricFilters": [filter("cis", parsed)]}],
	[alarm("cis")],
	subscribed_topics,
)

# ---- the CIS v3.0.0 patterns, as parsed (`&&` binds tighter than `||`) ----

cis_4_1 := or_([
	eq("$.errorCode", "*UnauthorizedOperation"),
	and_([
		eq("$.errorCode", "AccessDenied*"),
		ne("$.eventName", "HeadBucket"),
		ne("$.sourceIPAddress", "delivery.logs.amazonaws.com"),
	]),
])

cis_4_2 := and_([eq("$.eventName", "ConsoleLogin"), ne("$.additionalEventData.MFAUsed", "Yes")])

cis_4_2_sso := and_([
	ne("$.additionalEventData.MFAUsed", "Yes"),
	eq("$.eventName", "ConsoleLogin"),
	eq("$.responseElements.ConsoleLogin", "Success"),
	eq("$.userIdentity.type", "IAMUser"),
])

cis_4_3 := and_([
	ne("$.eventType", "AwsServiceEvent"),
	{"field": "$.userIdentity.invokedBy", "exists": false},
	eq("$.userIdentity.type", "Root"),
])

iam_policy_events := [
	"DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
	"PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
	"AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
	"DetachGroupPolicy",
]

cis_4_4 := or_(names(iam_policy_events))

cloudtrail_events := ["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"]

cis_4_5 := or_(names(cloudtrail_events))

cis_4_6 := and_([eq("$.errorMessage", "Failed authentication"), eq("$.eventName", "ConsoleLogin")])

cis_4_7 := scoped("kms.amazonaws.com", ["DisableKey", "ScheduleKeyDeletion"])

s3_policy_events := [
	"PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
	"DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
]

cis_4_8 := scoped("s3.amazonaws.com", s3_policy_events)

config_events := ["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"]

cis_4_9 := scoped("config.amazonaws.com", config_events)

security_group_events := [
	"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
	"RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup",
]

cis_4_10 := or_(names(security_group_events))

nacl_events := [
	"CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
	"ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation",
]

cis_4_11 := or_(names(nacl_events))

gateway_events := [
	"CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
	"DeleteInternetGateway", "DetachInternetGateway",
]

cis_4_12 := or_(names(gateway_events))

route_table_events := [
	"CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
	"DeleteRoute", "DisassociateRouteTable",
]

cis_4_13 := scoped("ec2.amazonaws.com", route_table_events)

vpc_events := [
	"CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
	"DeleteVpcPeeringConnection", "RejectVpcPeeringConnection", "AttachClassicLinkVpc", "DetachClassicLinkVpc",
	"DisableVpcClassicLink", "EnableVpcClassicLink",
]

cis_4_14 := or_(names(vpc_events))

organizations_events := [
	"AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
	"DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
	"DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
	"RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
]

cis_4_15 := scoped("organizations.amazonaws.com", organizations_events)

# `list` without `name`.
without(list, name) := [n | some n in list; n != name]
