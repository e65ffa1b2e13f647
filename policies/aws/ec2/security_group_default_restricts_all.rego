# METADATA
# title: Ensure the default security group of every VPC restricts all traffic
# description: >-
#   The default security group of a VPC is attached to any instance or interface launched without
#   a group, and by default allows all traffic between its members and all outbound traffic. It
#   should have no inbound and no outbound rules, so that every resource gets a deliberately
#   designed group. Only groups named "default" are evaluated.
# custom:
#   id: AWS.EC2.SecurityGroup.DefaultRestrictsAllTraffic
#   severity: MEDIUM
#   resource_types: [AWS.EC2.SecurityGroup]
#   remediation: >-
#     Move the resources that use the default group to least-privilege groups, then remove every
#     inbound and outbound rule of the default group (aws ec2 revoke-security-group-ingress and
#     revoke-security-group-egress). VPC flow logs show which traffic those resources need.
#   references:
#     - https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
#     - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security-groups.html
#   compliance:
#     cis-aws-foundations-3.0: ["5.4"]
package palisade.aws.ec2.security_group_default_restricts_all

default applies := false

applies if input.attributes.GroupName == "default"

rule_count(key) := count(object.get(input.attributes, key, [])) if is_array(object.get(input.attributes, key, []))

rule_count(key) := 0 if not is_array(object.get(input.attributes, key, []))

deny contains msg if {
	applies
	n := rule_count("IpPermissions")
	n > 0
	msg := sprintf("default security group %s of %s has %d inbound rule(s)", [input.attributes.GroupId, input.attributes.VpcId, n])
}

deny contains msg if {
	applies
	n := rule_count("IpPermissionsEgress")
	n > 0
	msg := sprintf("default security group %s of %s has %d outbound rule(s)", [input.attributes.GroupId, input.attributes.VpcId, n])
}
