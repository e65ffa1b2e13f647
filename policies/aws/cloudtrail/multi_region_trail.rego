# METADATA
# title: Ensure CloudTrail is enabled in all regions
# description: >-
#   CloudTrail is the account's record of who did what. At least one trail must be multi-region
#   (so activity in regions nobody uses is recorded too, as are global services such as IAM), be
#   logging now, and record all management events, reads and writes. Evaluated on the account's
#   monitoring resource, which lists every trail visible to the account, including organization
#   trails.
# custom:
#   id: AWS.Account.Monitoring.MultiRegionTrail
#   severity: HIGH
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     aws cloudtrail create-trail --name NAME --s3-bucket-name BUCKET --is-multi-region-trail
#     (or update-trail --is-multi-region-trail on an existing trail), then aws cloudtrail
#     start-logging --name NAME. A new trail records all management events by default; otherwise
#     set an event selector with ReadWriteType All and IncludeManagementEvents true.
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.1"]
package palisade.aws.cloudtrail.multi_region_trail

import data.palisade.aws.lib.monitoring

checks := [
	{"key": "IsMultiRegionTrail", "text": "not multi-region"},
	{"key": "IsLogging", "text": "not logging"},
	{"key": "IncludesAllManagementEvents", "text": "not recording all management events"},
]

shortfalls(trail) := concat(", ", [c.text | some c in checks; object.get(trail, c.key, null) != true])

deny contains "no CloudTrail trail exists" if {
	count(monitoring.trails) == 0
}

deny contains msg if {
	count(monitoring.trails) > 0
	count(monitoring.recording_trails) == 0
	details := sort([sprintf("%s: %s", [t.Name, shortfalls(t)]) | some t in monitoring.trails])
	msg := sprintf("no CloudTrail trail is multi-region, logging and recording all management events (%s)", [concat("; ", details)])
}
