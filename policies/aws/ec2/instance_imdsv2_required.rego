# METADATA
# title: Ensure that EC2 Metadata Service only allows IMDSv2
# description: >-
#   Instance metadata serves the instance role's temporary credentials. IMDSv1 answers plain GET
#   requests, so a server-side request forgery or an open proxy on the instance can steal them;
#   IMDSv2 needs a session token obtained with a PUT. HttpTokens must be "required". An instance
#   with the metadata endpoint disabled passes. Instances shutting down or terminated are not
#   evaluated.
# custom:
#   id: AWS.EC2.Instance.IMDSv2Required
#   severity: HIGH
#   resource_types: [AWS.EC2.Instance]
#   remediation: >-
#     Check that the software on the instance uses IMDSv2 (current AWS SDKs and CLI do; the
#     MetadataNoToken CloudWatch metric counts IMDSv1 calls), then run aws ec2
#     modify-instance-metadata-options --instance-id ID --http-tokens required --http-endpoint
#     enabled. Set the account default for new instances with aws ec2
#     modify-instance-metadata-defaults --http-tokens required.
#   remediation_id: ec2-require-imdsv2
#   references:
#     - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
#     - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-transition-to-version-2.html
#   compliance:
#     cis-aws-foundations-3.0: ["5.6"]
package palisade.aws.ec2.instance_imdsv2_required

default applies := true

applies := false if input.attributes.State in {"shutting-down", "terminated"}

options := object.get(input.attributes, "MetadataOptions", null)

deny contains msg if {
	options == null
	msg := sprintf("instance %s reports no metadata options, so IMDSv2 cannot be shown to be required", [input.attributes.InstanceId])
}

deny contains msg if {
	options != null
	options.HttpEndpoint != "disabled"
	options.HttpTokens != "required"
	msg := sprintf("instance %s allows IMDSv1 (HttpTokens is %v)", [input.attributes.InstanceId, options.HttpTokens])
}
