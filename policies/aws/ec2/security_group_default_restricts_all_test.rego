package palisade.aws.ec2.security_group_default_restricts_all_test

import data.palisade.aws.ec2.security_group_default_restricts_all as policy

group(name, ingress, egress) := {"type": "AWS.EC2.SecurityGroup", "attributes": {
	"GroupId": "sg-1", "GroupName": name, "VpcId": "vpc-1",
	"IpPermissions": ingress, "IpPermissionsEgress": egress,
}}

# The rules AWS gives a new default group: members talk to each other, everything may go out.
self_ref := {"IpProtocol": "-1", "FromPort": null, "ToPort": null, "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "111122223333", "VpcId": null, "Description": null}]}

all_out := {"IpProtocol": "-1", "FromPort": null, "ToPort": null, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": null}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}

test_untouched_default_group_fails_both_ways if {
	untouched := group("default", [self_ref], [all_out])
	policy.deny == {
		"default security group sg-1 of vpc-1 has 1 inbound rule(s)",
		"default security group sg-1 of vpc-1 has 1 outbound rule(s)",
	} with input as untouched
}

test_egress_only_fails if {
	egress_only := group("default", [], [all_out])
	policy.deny == {"default security group sg-1 of vpc-1 has 1 outbound rule(s)"} with input as egress_only
}

test_self_reference_only_fails if {
	self_only := group("default", [self_ref], [])
	count(policy.deny) == 1 with input as self_only
}

test_empty_default_group_passes if {
	policy.applies with input as group("default", [], [])
	count(policy.deny) == 0 with input as group("default", [], [])
}

test_other_groups_do_not_apply if {
	web := group("web", [self_ref], [all_out])
	policy.applies == false with input as web
	count(policy.deny) == 0 with input as web
}

test_name_match_is_exact if {
	upper := group("Default", [self_ref], [])
	prefixed := group("default-web", [self_ref], [])
	policy.applies == false with input as upper
	policy.applies == false with input as prefixed
}

test_missing_rule_lists_pass if {
	count(policy.deny) == 0 with input as {"attributes": {"GroupId": "sg-1", "GroupName": "default", "VpcId": "vpc-1", "IpPermissions": null, "IpPermissionsEgress": null}}
}
