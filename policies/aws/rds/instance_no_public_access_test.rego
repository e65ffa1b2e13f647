package palisade.aws.rds.instance_no_public_access_test

import data.palisade.aws.rds.instance_no_public_access as policy

db(public, endpoint) := {"name": "orders", "type": "AWS.RDS.DBInstance", "attributes": {"DBInstanceIdentifier": "orders", "PubliclyAccessible": public, "Endpoint": endpoint}}

endpoint := {"Address": "orders.abc.eu-west-1.rds.amazonaws.com", "Port": 5432}

test_private_instance_passes if {
	count(policy.deny) == 0 with input as db(false, endpoint)
}

test_public_instance_fails_and_names_its_endpoint if {
	e := endpoint
	policy.deny == {"RDS instance orders is publicly accessible at orders.abc.eu-west-1.rds.amazonaws.com:5432"} with input as db(true, e)
}

test_public_instance_without_endpoint_yet_fails if {
	policy.deny == {"RDS instance orders is publicly accessible"} with input as db(true, null)
}

test_unknown_flag_passes if {
	count(policy.deny) == 0 with input as db(null, null)
}
