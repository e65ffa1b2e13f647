# METADATA
# title: Ensure AWS Security Hub is enabled
# description: >-
#   Security Hub gathers the findings of GuardDuty, Inspector, Macie, IAM Access Analyzer, Config
#   and partner tools in one place and checks the account against security standards. It works per
#   region, so every region needs it enabled (it needs AWS Config in that region as well).
# custom:
#   id: AWS.Region.SecurityHub.Enabled
#   severity: MEDIUM
#   resource_types: [AWS.Region.SecurityHub]
#   remediation: >-
#     In each region, aws securityhub enable-security-hub --enable-default-standards (or
#     --no-enable-default-standards and choose standards), or enable it for the whole
#     organization from the Security Hub delegated administrator with central configuration.
#   references:
#     - https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html
#     - https://docs.aws.amazon.com/securityhub/latest/userguide/central-configuration-intro.html
#   compliance:
#     cis-aws-foundations-3.0: ["4.16"]
package palisade.aws.securityhub.enabled

deny contains msg if {
	object.get(input.attributes, "Enabled", null) != true
	msg := sprintf("Security Hub is not enabled in %s", [input.region])
}
