# METADATA
# title: Ensure that Object-level logging for read events is enabled for S3 bucket
# description: >-
#   S3 object reads (GetObject, ...) are data events, which trails do not record by default.
#   Recording read data events of every bucket in a multi-region trail that is logging shows who
#   read which object, which is how data theft is scoped.
# custom:
#   id: AWS.Account.Monitoring.S3ObjectReadLogging
#   severity: MEDIUM
#   resource_types: [AWS.Account.Monitoring]
#   remediation: >-
#     aws cloudtrail put-event-selectors --trail-name TRAIL --advanced-event-selectors
#     '[{"Name": "S3 reads", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
#     {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}, {"Field": "readOnly",
#     "Equals": ["true"]}]}]' on a multi-region trail (keep a selector for management events;
#     put-event-selectors replaces them all). Read events are numerous and billed per event.
#   references:
#     - https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-cloudtrail-logging-for-s3.html
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.9"]
package palisade.aws.cloudtrail.s3_object_read_logging

import data.palisade.aws.lib.monitoring

logged if {
	some t in monitoring.trails
	t.IsMultiRegionTrail == true
	t.IsLogging == true
	t.DataEvents.S3Read == true
}

deny contains "no multi-region trail that is logging records S3 object-level read events for all buckets" if {
	not logged
}
