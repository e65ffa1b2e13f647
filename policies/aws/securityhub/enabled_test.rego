package palisade.aws.securityhub.enabled_test

import data.palisade.aws.securityhub.enabled as policy

region(enabled, standards) := {"name": "eu-west-1", "region": "eu-west-1", "type": "AWS.Region.SecurityHub", "attributes": {
	"Enabled": enabled, "HubArn": null, "SubscribedAt": null, "AutoEnableControls": null, "EnabledStandards": standards,
}}

cis_standard := {"StandardsArn": "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0", "StandardsSubscriptionArn": "arn:aws:securityhub:eu-west-1:111122223333:subscription/cis-aws-foundations-benchmark/v/3.0.0", "StandardsStatus": "READY"}

test_enabled_passes if {
	s := cis_standard
	count(policy.deny) == 0 with input as region(true, [s])
}

test_enabled_without_standards_passes if {
	count(policy.deny) == 0 with input as region(true, [])
}

test_not_subscribed_fails if {
	policy.deny == {"Security Hub is not enabled in eu-west-1"} with input as region(false, [])
}

test_unknown_state_fails if {
	count(policy.deny) == 1 with input as {"region": "eu-west-1", "attributes": {}}
}
