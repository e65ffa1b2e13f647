package palisade.aws.ec2.security_group_ssh_open_to_world_test

import data.palisade.aws.ec2.security_group_ssh_open_to_world as policy

sg(perms) := {"type": "AWS.EC2.SecurityGroup", "attributes": {"GroupId": "sg-1", "IpPermissions": perms}}

perm(proto, from, to, v4, v6) := {
	"IpProtocol": proto, "FromPort": from, "ToPort": to,
	"IpRanges": [{"CidrIp": c} | some c in v4],
	"Ipv6Ranges": [{"CidrIpv6": c} | some c in v6],
}

test_port_22_from_world_fails if {
	policy.deny == {"security group sg-1 allows SSH (port 22) from 0.0.0.0/0 (tcp 22-22)"} with input as sg([perm("tcp", 22, 22, ["0.0.0.0/0"], [])])
}

test_range_containing_22_fails if {
	count(policy.deny) == 1 with input as sg([perm("tcp", 20, 30, ["0.0.0.0/0"], [])])
}

test_full_tcp_range_fails if {
	count(policy.deny) == 1 with input as sg([perm("tcp", 0, 65535, ["0.0.0.0/0"], [])])
}

test_protocol_all_fails if {
	count(policy.deny) == 1 with input as sg([perm("-1", null, null, ["0.0.0.0/0"], [])])
}

test_numeric_tcp_protocol_fails if {
	count(policy.deny) == 1 with input as sg([perm("6", 22, 22, ["0.0.0.0/0"], [])])
}

test_ipv6_world_fails if {
	count(policy.deny) == 1 with input as sg([perm("tcp", 22, 22, [], ["::/0"])])
}

test_both_families_give_two_messages if {
	count(policy.deny) == 2 with input as sg([perm("tcp", 22, 22, ["0.0.0.0/0"], ["::/0"])])
}

test_private_range_passes if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 22, 22, ["10.0.0.0/8"], ["fd00::/8"])])
}

test_other_port_from_world_passes if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 443, 443, ["0.0.0.0/0"], ["::/0"])])
}

test_range_ending_below_22_passes if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 0, 21, ["0.0.0.0/0"], [])])
}

test_range_starting_above_22_passes if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 23, 1024, ["0.0.0.0/0"], [])])
}

test_udp_22_passes if {
	count(policy.deny) == 0 with input as sg([perm("udp", 22, 22, ["0.0.0.0/0"], [])])
}

test_no_rules_passes if {
	count(policy.deny) == 0 with input as sg([])
}

test_one_bad_rule_among_good_fails if {
	count(policy.deny) == 1 with input as sg([
		perm("tcp", 443, 443, ["0.0.0.0/0"], []),
		perm("tcp", 22, 22, ["10.0.0.0/8", "0.0.0.0/0"], []),
	])
}

test_null_rules_pass_without_error if {
	count(policy.deny) == 0 with input as {"type": "AWS.EC2.SecurityGroup", "attributes": {"GroupId": "sg-1", "IpPermissions": null}}
}
