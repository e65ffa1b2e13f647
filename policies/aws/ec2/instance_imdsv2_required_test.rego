package palisade.aws.ec2.instance_imdsv2_required_test

import data.palisade.aws.ec2.instance_imdsv2_required as policy

instance(state, options) := {"type": "AWS.EC2.Instance", "attributes": {"InstanceId": "i-1", "State": state, "MetadataOptions": options}}

opts(tokens, endpoint) := {"HttpTokens": tokens, "HttpEndpoint": endpoint, "HttpPutResponseHopLimit": 2, "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"}

test_imdsv2_required_passes if {
	count(policy.deny) == 0 with input as instance("running", opts("required", "enabled"))
}

test_imdsv1_allowed_fails if {
	policy.deny == {"instance i-1 allows IMDSv1 (HttpTokens is optional)"} with input as instance("running", opts("optional", "enabled"))
}

test_stopped_instance_is_evaluated if {
	policy.applies with input as instance("stopped", opts("optional", "enabled"))
	count(policy.deny) == 1 with input as instance("stopped", opts("optional", "enabled"))
}

test_disabled_endpoint_passes if {
	count(policy.deny) == 0 with input as instance("running", opts("optional", "disabled"))
}

test_missing_options_fail if {
	policy.deny == {"instance i-1 reports no metadata options, so IMDSv2 cannot be shown to be required"} with input as instance("running", null)
}

test_missing_tokens_setting_fails if {
	count(policy.deny) == 1 with input as instance("pending", {"HttpEndpoint": "enabled", "HttpTokens": null})
}

test_instances_going_away_do_not_apply if {
	policy.applies == false with input as instance("shutting-down", opts("optional", "enabled"))
	policy.applies == false with input as instance("terminated", opts("optional", "enabled"))
	policy.applies with input as instance("running", opts("optional", "enabled"))
}
