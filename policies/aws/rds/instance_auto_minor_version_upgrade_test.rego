package palisade.aws.rds.instance_auto_minor_version_upgrade_test

import data.palisade.aws.rds.instance_auto_minor_version_upgrade as policy

db(upgrade) := {"name": "orders", "type": "AWS.RDS.DBInstance", "attributes": {"DBInstanceIdentifier": "orders", "AutoMinorVersionUpgrade": upgrade}}

test_enabled_passes if {
	count(policy.deny) == 0 with input as db(true)
}

test_disabled_fails if {
	policy.deny == {"RDS instance orders does not upgrade minor engine versions automatically"} with input as db(false)
}

test_unknown_fails if {
	count(policy.deny) == 1 with input as db(null)
}
