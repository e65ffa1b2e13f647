# METADATA
# title: Ensure that Object-level logging for write events is enabled for S3 bucket
# description: >-
#   S3 object operations (PutObject, DeleteObject, ...) are data events, which trails do not
#   record by default. Recording write data events of every bucket in a multi-region trail that is
#   logging gives a record of who changed or deleted which object, for investigations and
#   ransomware response.
# custom:
#   id: AWS.Account.Monitoring.S3ObjectWriteLogging
#   severity: MEDIUM
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     aws cloudtrail put-event-selectors --trail-name TRAIL --advanced-event-selectors
#     '[{"Name": "S3 writes", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
#     {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}, {"Field": "readOnly",
#     "Equals": ["false"]}]}]' on a multi-region trail (keep a selector for management events;
#     put-event-selectors replaces them all). Data events are billed per event.
#   references:
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-cloudtrail-logging-for-s3.html
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.8"]
package palisade.aws.cloudtrail.s3_object_write_logging

import data.palisade.aws.lib.monitoring

logged if {
	some t in monitoring.trails
	t.IsMultiRegionTrail == true
	t.IsLogging == true
	t.DataEvents.S3Write == true
}

deny contains "no multi-region trail that is logging records S3 object-level write events for all buckets" if {
	not logged
}
