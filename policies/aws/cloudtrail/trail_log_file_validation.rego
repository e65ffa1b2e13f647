# METADATA
# title: Ensure CloudTrail log file validation is enabled
# description: >-
#   With log file validation, CloudTrail writes a signed digest file every hour that hashes the
#   log files it delivered, so anyone can later prove whether a log was changed or deleted. Every
#   trail must have it on.
# custom:
#   id: AWS.CloudTrail.Trail.LogFileValidation
#   severity: MEDIUM
#   resource_types: [AWS.CloudTrail.Trail]
#   remediation: >-
#     aws cloudtrail update-trail --name TRAIL --enable-log-file-validation; check logs with aws
#     cloudtrail validate-logs --trail-arn ARN --start-time TIME.
#   remediation_id: cloudtrail-enable-log-file-validation
#   references:
#     - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.2"]
package palisade.aws.cloudtrail.trail_log_file_validation

deny contains msg if {
	input.attributes.LogFileValidationEnabled != true
	msg := sprintf("trail %s does not validate its log files", [input.name])
}
