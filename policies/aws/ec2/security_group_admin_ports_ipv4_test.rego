package palisade.aws.ec2.security_group_admin_ports_ipv4_test

import data.palisade.aws.ec2.security_group_admin_ports_ipv4 as policy

sg(perms) := {"type": "AWS.EC2.SecurityGroup", "attributes": {"GroupId": "sg-1", "GroupName": "web", "IpPermissions": perms, "IpPermissionsEgress": []}}

perm(proto, from, to, v4, v6) := {
	"IpProtocol": proto, "FromPort": from, "ToPort": to,
	"IpRanges": [{"CidrIp": c, "Description": null} | some c in v4],
	"Ipv6Ranges": [{"CidrIpv6": c, "Description": null} | some c in v6],
	"PrefixListIds": [], "UserIdGroupPairs": [],
}

test_ssh_from_world_fails if {
	policy.deny == {"security group sg-1 allows ingress from 0.0.0.0/0 to admin port(s) 22 (tcp 22-22)"} with input as sg([perm("tcp", 22, 22, ["0.0.0.0/0"], [])])
}

test_rdp_from_world_fails if {
	policy.deny == {"security group sg-1 allows ingress from 0.0.0.0/0 to admin port(s) 3389 (tcp 3389-3389)"} with input as sg([perm("tcp", 3389, 3389, ["0.0.0.0/0"], [])])
}

test_rdp_over_udp_fails if {
	policy.deny == {"security group sg-1 allows ingress from 0.0.0.0/0 to admin port(s) 3389 (udp 3389-3389)"} with input as sg([perm("udp", 3389, 3389, ["0.0.0.0/0"], [])])
}

test_all_traffic_names_both_ports if {
	policy.deny == {"security group sg-1 allows ingress from 0.0.0.0/0 to admin port(s) 22, 3389 (all traffic)"} with input as sg([perm("-1", null, null, ["0.0.0.0/0"], [])])
}

test_full_port_range_fails if {
	policy.deny == {"security group sg-1 allows ingress from 0.0.0.0/0 to admin port(s) 22, 3389 (tcp 0-65535)"} with input as sg([perm("tcp", 0, 65535, ["0.0.0.0/0"], [])])
}

test_numeric_protocols_fail if {
	count(policy.deny) == 2 with input as sg([perm("6", 22, 22, ["0.0.0.0/0"], []), perm("17", 3000, 4000, ["0.0.0.0/0"], [])])
}

test_range_between_the_ports_passes if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 23, 3388, ["0.0.0.0/0"], [])])
}

test_range_edges_fail if {
	count(policy.deny) == 2 with input as sg([perm("tcp", 0, 22, ["0.0.0.0/0"], []), perm("tcp", 3389, 8080, ["0.0.0.0/0"], [])])
}

test_icmp_from_world_passes if {
	count(policy.deny) == 0 with input as sg([perm("icmp", -1, -1, ["0.0.0.0/0"], []), perm("1", -1, -1, ["0.0.0.0/0"], [])])
}

test_private_source_passes if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 22, 22, ["10.0.0.0/8", "192.0.2.10/32"], [])])
}

test_ipv6_world_is_left_to_the_ipv6_policy if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 22, 22, [], ["::/0"])])
}

test_egress_rules_are_ignored if {
	group := {"type": "AWS.EC2.SecurityGroup", "attributes": {"GroupId": "sg-1", "IpPermissions": [], "IpPermissionsEgress": [perm("-1", null, null, ["0.0.0.0/0"], [])]}}
	count(policy.deny) == 0 with input as group
}

test_no_rules_pass if {
	count(policy.deny) == 0 with input as sg([])
}

test_missing_rules_pass if {
	count(policy.deny) == 0 with input as {"attributes": {"GroupId": "sg-1", "IpPermissions": null}}
}

test_one_message_per_rule_and_source if {
	count(policy.deny) == 2 with input as sg([perm("tcp", 22, 22, ["0.0.0.0/0"], []), perm("tcp", 3389, 3389, ["0.0.0.0/0", "10.0.0.0/8"], [])])
}

test_admin_ports_are_a_parameter if {
	policy.deny == {"security group sg-1 allows ingress from 0.0.0.0/0 to admin port(s) 5985 (tcp 5985-5986)"} with input as sg([perm("tcp", 5985, 5986, ["0.0.0.0/0"], []), perm("tcp", 22, 22, ["0.0.0.0/0"], [])])
		with data.palisade.params as {"admin_ports": [5985]}
}
