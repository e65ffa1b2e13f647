package palisade.aws.accessanalyzer.enabled_test

import data.palisade.aws.accessanalyzer.enabled as policy

region(enabled, analyzers) := {"name": "eu-west-1", "region": "eu-west-1", "type": "AWS.Region.AccessAnalyzer", "attributes": {"Enabled": enabled, "Analyzers": analyzers}}

analyzer(name, status) := typed(name, "ACCOUNT", status)

typed(name, type, status) := {"Name": name, "Arn": sprintf("arn:aws:access-analyzer:eu-west-1:111122223333:analyzer/%s", [name]), "Type": type, "Status": status}

test_active_analyzer_passes if {
	count(policy.deny) == 0 with input as region(true, [analyzer("external", "ACTIVE")])
}

test_no_analyzer_fails if {
	policy.deny == {"IAM Access Analyzer has no analyzer in eu-west-1"} with input as region(false, [])
}

test_only_inactive_analyzers_fail if {
	policy.deny == {"IAM Access Analyzer has no active external access analyzer in eu-west-1 (new: ACCOUNT CREATING, old: ACCOUNT FAILED)"} with input as region(false, [analyzer("old", "FAILED"), analyzer("new", "CREATING")])
}

test_one_active_among_others_passes if {
	count(policy.deny) == 0 with input as region(true, [analyzer("old", "DISABLED"), analyzer("org", "ACTIVE")])
}

test_active_analyzer_counts_even_if_flag_is_missing if {
	count(policy.deny) == 0 with input as region(null, [analyzer("org", "ACTIVE")])
}

test_organization_analyzer_passes if {
	count(policy.deny) == 0 with input as region(true, [typed("org", "ORGANIZATION", "ACTIVE")])
}

test_unused_access_analyzer_alone_fails if {
	policy.deny == {"IAM Access Analyzer has no active external access analyzer in eu-west-1 (unused: ACCOUNT_UNUSED_ACCESS ACTIVE)"} with input as region(true, [typed("unused", "ACCOUNT_UNUSED_ACCESS", "ACTIVE")])
}
