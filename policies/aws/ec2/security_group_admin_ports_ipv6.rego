# METADATA
# title: Ensure no security groups allow ingress from ::/0 to remote server administration ports
# description: >-
#   No inbound rule may open a remote administration port (SSH 22 and RDP 3389 by default;
#   parameter admin_ports) to ::/0, the whole IPv6 internet. A rule reaches a port when its
#   protocol is TCP (6) or UDP (17) and its port range contains the port, or when its protocol is
#   -1 (all traffic). IPv6 addresses are scanned less, but exposure is the same.
# custom:
#   id: AWS.EC2.SecurityGroup.AdminPortsOpenToIPv6World
#   severity: HIGH
#   resource_types: [AWS.EC2.SecurityGroup]
#   remediation: >-
#     Remove the rule (aws ec2 revoke-security-group-ingress --group-id GROUP --ip-permissions ...)
#     or narrow its IPv6 source to known ranges; make sure administrators have another way in
#     first, such as SSM Session Manager, EC2 Instance Connect Endpoint or a VPN.
#   remediation_id: ec2-revoke-admin-port-ingress
#   references:
#     - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
#     - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules-reference.html
#     - https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html
#   compliance:
#     cis-aws-foundations-3.0: ["5.3"]
package palisade.aws.ec2.security_group_admin_ports_ipv6

import data.palisade.aws.lib.network

deny contains msg if {
	some finding in network.sg_world_ingress(input.attributes, "ipv6")
	msg := sprintf("security group %s allows ingress from %s to admin port(s) %s (%s)", [input.attributes.GroupId, finding.cidr, network.ports_text(finding.ports), finding.text])
}
