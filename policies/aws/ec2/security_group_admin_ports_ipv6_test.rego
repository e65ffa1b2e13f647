package palisade.aws.ec2.security_group_admin_ports_ipv6_test

import data.palisade.aws.ec2.security_group_admin_ports_ipv6 as policy

sg(perms) := {"type": "AWS.EC2.SecurityGroup", "attributes": {"GroupId": "sg-1", "GroupName": "web", "IpPermissions": perms, "IpPermissionsEgress": []}}

perm(proto, from, to, v4, v6) := {
	"IpProtocol": proto, "FromPort": from, "ToPort": to,
	"IpRanges": [{"CidrIp": c, "Description": null} | some c in v4],
	"Ipv6Ranges": [{"CidrIpv6": c, "Description": null} | some c in v6],
	"PrefixListIds": [], "UserIdGroupPairs": [],
}

test_ssh_from_ipv6_world_fails if {
	policy.deny == {"security group sg-1 allows ingress from ::/0 to admin port(s) 22 (tcp 22-22)"} with input as sg([perm("tcp", 22, 22, [], ["::/0"])])
}

test_all_traffic_from_ipv6_world_fails if {
	policy.deny == {"security group sg-1 allows ingress from ::/0 to admin port(s) 22, 3389 (all traffic)"} with input as sg([perm("-1", null, null, [], ["::/0"])])
}

test_udp_rdp_from_ipv6_world_fails if {
	count(policy.deny) == 1 with input as sg([perm("17", 3389, 3389, [], ["::/0"])])
}

test_ipv4_world_is_left_to_the_ipv4_policy if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 22, 22, ["0.0.0.0/0"], [])])
}

test_private_ipv6_range_passes if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 22, 22, [], ["2001:db8::/32", "fd00::/8"])])
}

test_other_ports_pass if {
	count(policy.deny) == 0 with input as sg([perm("tcp", 443, 443, [], ["::/0"]), perm("tcp", 3390, 65535, [], ["::/0"])])
}

test_both_families_in_one_rule_fail_once_here if {
	policy.deny == {"security group sg-1 allows ingress from ::/0 to admin port(s) 3389 (tcp 3389-3389)"} with input as sg([perm("tcp", 3389, 3389, ["0.0.0.0/0"], ["::/0"])])
}
