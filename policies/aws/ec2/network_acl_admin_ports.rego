# METADATA
# title: Ensure no Network ACLs allow ingress from 0.0.0.0/0 to remote server administration ports
# description: >-
#   A network ACL must not let traffic from the whole internet (0.0.0.0/0, and ::/0 for IPv6) reach
#   a remote administration port (SSH 22 and RDP 3389 by default; parameter admin_ports) over TCP or
#   UDP. Entries apply in rule-number order and the first match decides, so an allow is harmless
#   when a lower-numbered deny for the whole internet already covers the port. The default network
#   ACL allows everything, so it fails until it is tightened.
# custom:
#   id: AWS.EC2.NetworkAcl.AdminPortsOpenToWorld
#   severity: MEDIUM
#   resource_types: [AWS.EC2.NetworkAcl]
#   remediation: >-
#     Add lower-numbered inbound deny entries for TCP and UDP ports 22 and 3389 from 0.0.0.0/0 and ::/0
#     (aws ec2 create-network-acl-entry --ingress --rule-action deny ...), or replace the allow entry
#     with one limited to known address ranges (aws ec2 replace-network-acl-entry). Keep security
#     groups as the primary control.
#   references:
#     - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
#     - https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html
#   compliance:
#     cis-aws-foundations-3.0: ["5.1"]
package palisade.aws.ec2.network_acl_admin_ports

import data.palisade.aws.lib.network

family_source := {"ipv4": network.world_ipv4, "ipv6": network.world_ipv6}

deny contains msg if {
	entries := input.attributes.Entries
	some port in network.admin_ports
	some family, source in family_source
	some proto in network.admin_protocols
	some entry in network.nacl_deciding_entries(entries, family, proto, port)
	entry.RuleAction == "allow"
	msg := sprintf("network ACL %s allows ingress from %s to admin port %v (rule %v: %s)", [input.attributes.NetworkAclId, source, port, entry.RuleNumber, network.nacl_entry_text(entry)])
}
