package palisade.aws.ec2.network_acl_admin_ports_test

import data.palisade.aws.ec2.network_acl_admin_ports as policy

acl(entries) := {"type": "AWS.EC2.NetworkAcl", "attributes": {"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": false, "Entries": entries, "Associations": []}}

entry(number, proto, action, cidr, ports) := {
	"RuleNumber": number, "Protocol": proto, "RuleAction": action, "Egress": false,
	"CidrBlock": cidr, "Ipv6CidrBlock": null, "PortRange": ports, "IcmpTypeCode": null,
}

entry6(number, proto, action, cidr, ports) := object.union(entry(number, proto, action, null, ports), {"Ipv6CidrBlock": cidr})

range(from, to) := {"From": from, "To": to}

closing := [entry(32767, "-1", "deny", "0.0.0.0/0", null), entry6(32768, "-1", "deny", "::/0", null)]

with_closing(entries) := array.concat(entries, closing)

# What AWS creates with every VPC.
default_entries := with_closing([entry(100, "-1", "allow", "0.0.0.0/0", null), entry6(101, "-1", "allow", "::/0", null)])

test_default_acl_fails_for_both_ports_and_families if {
	acct := acl(default_entries)
	policy.deny == {
		"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 22 (rule 100: all traffic)",
		"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 3389 (rule 100: all traffic)",
		"network ACL acl-1 allows ingress from ::/0 to admin port 22 (rule 101: all traffic)",
		"network ACL acl-1 allows ingress from ::/0 to admin port 3389 (rule 101: all traffic)",
	} with input as acct
}

test_allow_ssh_from_world_fails if {
	acct := acl(with_closing([entry(100, "6", "allow", "0.0.0.0/0", range(22, 22))]))
	policy.deny == {"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 22 (rule 100: tcp 22-22)"} with input as acct
}

test_lower_numbered_deny_shadows_the_allow if {
	entries := with_closing([
		entry(10, "6", "deny", "0.0.0.0/0", range(22, 22)),
		entry(11, "17", "deny", "0.0.0.0/0", range(22, 22)),
		entry(20, "6", "deny", "0.0.0.0/0", range(3389, 3389)),
		entry(21, "17", "deny", "0.0.0.0/0", range(3389, 3389)),
		entry(100, "-1", "allow", "0.0.0.0/0", null),
	])
	acct := acl(entries)
	count(policy.deny) == 0 with input as acct
}

test_rule_numbers_compare_as_numbers if {
	entries := with_closing([entry(1000, "-1", "allow", "0.0.0.0/0", null), entry(90, "-1", "deny", "0.0.0.0/0", null)])
	acct := acl(entries)
	count(policy.deny) == 0 with input as acct
}

test_deny_after_the_allow_does_not_help if {
	entries := with_closing([entry(100, "6", "allow", "0.0.0.0/0", range(22, 22)), entry(200, "-1", "deny", "0.0.0.0/0", null)])
	acct := acl(entries)
	count(policy.deny) == 1 with input as acct
}

test_tcp_only_deny_leaves_udp_open if {
	entries := with_closing([entry(10, "6", "deny", "0.0.0.0/0", range(22, 22)), entry(100, "-1", "allow", "0.0.0.0/0", null)])
	acct := acl(entries)
	policy.deny == {
		"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 22 (rule 100: all traffic)",
		"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 3389 (rule 100: all traffic)",
	} with input as acct
}

test_deny_of_a_narrower_source_does_not_shadow if {
	entries := with_closing([entry(10, "-1", "deny", "198.51.100.0/24", null), entry(100, "6", "allow", "0.0.0.0/0", range(3389, 3389))])
	acct := acl(entries)
	policy.deny == {"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 3389 (rule 100: tcp 3389-3389)"} with input as acct
}

test_port_range_containing_one_port_fails_once if {
	acct := acl(with_closing([entry(100, "6", "allow", "0.0.0.0/0", range(0, 1024))]))
	policy.deny == {"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 22 (rule 100: tcp 0-1024)"} with input as acct
}

test_ephemeral_range_reaches_rdp if {
	acct := acl(with_closing([entry(100, "6", "allow", "0.0.0.0/0", range(1024, 65535))]))
	policy.deny == {"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 3389 (rule 100: tcp 1024-65535)"} with input as acct
}

test_web_ports_pass if {
	acct := acl(with_closing([entry(100, "6", "allow", "0.0.0.0/0", range(80, 80)), entry(110, "6", "allow", "0.0.0.0/0", range(443, 443))]))
	count(policy.deny) == 0 with input as acct
}

test_private_source_passes if {
	acct := acl(with_closing([entry(100, "-1", "allow", "10.0.0.0/8", null)]))
	count(policy.deny) == 0 with input as acct
}

test_ipv6_world_allow_fails if {
	acct := acl(with_closing([entry6(100, "6", "allow", "::/0", range(22, 22))]))
	policy.deny == {"network ACL acl-1 allows ingress from ::/0 to admin port 22 (rule 100: tcp 22-22)"} with input as acct
}

test_ipv4_deny_does_not_shadow_ipv6_allow if {
	entries := with_closing([entry(10, "-1", "deny", "0.0.0.0/0", null), entry6(100, "-1", "allow", "::/0", null)])
	acct := acl(entries)
	count(policy.deny) == 2 with input as acct
}

test_egress_entries_are_ignored if {
	out := object.union(entry(100, "-1", "allow", "0.0.0.0/0", null), {"Egress": true})
	acct := acl(with_closing([out]))
	count(policy.deny) == 0 with input as acct
}

test_icmp_allow_passes if {
	acct := acl(with_closing([entry(100, "1", "allow", "0.0.0.0/0", null)]))
	count(policy.deny) == 0 with input as acct
}

test_only_closing_rules_pass if {
	acct := acl(closing)
	count(policy.deny) == 0 with input as acct
}

test_admin_ports_are_a_parameter if {
	acct := acl(with_closing([entry(100, "6", "allow", "0.0.0.0/0", range(5985, 5986))]))
	policy.deny == {"network ACL acl-1 allows ingress from 0.0.0.0/0 to admin port 5986 (rule 100: tcp 5985-5986)"} with input as acct
		with data.palisade.params as {"admin_ports": [22, 5986]}
}
