# METADATA
# title: Security group does not allow SSH from the whole internet
# description: >-
#   No ingress rule may open TCP port 22 to 0.0.0.0/0 or ::/0. A rule covers port 22 when its
#   protocol is TCP and its port range contains 22, or when its protocol is -1 (all traffic).
#   A failure here is also a failure of CIS AWS Foundations 5.2/5.3, which the broader
#   AWS.EC2.SecurityGroup.AdminPortsOpenToIPv4World and AdminPortsOpenToIPv6World check in full
#   (ports 22 and 3389, TCP and UDP).
# custom:
#   id: AWS.EC2.SecurityGroup.SSHOpenToWorld
#   severity: HIGH
#   resource_types: [AWS.EC2.SecurityGroup]
#   remediation: >-
#     Remove the rule (aws ec2 revoke-security-group-ingress) and allow SSH only from known
#     address ranges, or use SSM Session Manager instead of SSH.
#   remediation_id: ec2-revoke-admin-port-ingress
#   references:
#     - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
#   compliance:
#     cis-aws-foundations-3.0: ["5.2", "5.3"]
package palisade.aws.ec2.security_group_ssh_open_to_world

port := 22

world_cidrs(perm) := {r.CidrIp | some r in perm.IpRanges; r.CidrIp == "0.0.0.0/0"} | {r.CidrIpv6 |
	some r in perm.Ipv6Ranges
	r.CidrIpv6 == "::/0"
}

covers_port(perm) if perm.IpProtocol == "-1"

covers_port(perm) if {
	lower(perm.IpProtocol) in {"tcp", "6"}
	perm.FromPort <= port
	perm.ToPort >= port
}

port_text(perm) := "all traffic" if perm.IpProtocol == "-1"

port_text(perm) := sprintf("tcp %v-%v", [perm.FromPort, perm.ToPort]) if perm.IpProtocol != "-1"

deny contains msg if {
	is_array(input.attributes.IpPermissions)
	some perm in input.attributes.IpPermissions
	covers_port(perm)
	some cidr in world_cidrs(perm)
	msg := sprintf("security group %s allows SSH (port 22) from %s (%s)", [input.attributes.GroupId, cidr, port_text(perm)])
}
