package palisade.aws.ec2.vpc_flow_logs_test

import data.palisade.aws.ec2.vpc_flow_logs as policy

vpc(flow_logs) := {"name": "main", "type": "AWS.EC2.VPC", "attributes": {"VpcId": "vpc-1", "IsDefault": false, "FlowLogs": flow_logs}}

flow(id, status, traffic, delivery) := {"FlowLogId": id, "FlowLogStatus": status, "TrafficType": traffic, "LogDestinationType": "cloud-watch-logs", "LogDestination": null, "LogGroupName": "flows", "DeliverLogsStatus": delivery}

test_reject_flow_log_passes if {
	count(policy.deny) == 0 with input as vpc([flow("fl-1", "ACTIVE", "REJECT", "SUCCESS")])
}

test_all_traffic_flow_log_passes if {
	count(policy.deny) == 0 with input as vpc([flow("fl-1", "ACTIVE", "ALL", null)])
}

test_no_flow_log_fails if {
	policy.deny == {"VPC vpc-1 has no flow log"} with input as vpc([])
}

test_accepted_traffic_only_fails if {
	policy.deny == {"VPC vpc-1 has no active flow log capturing rejected traffic (fl-1: ACTIVE ACCEPT, delivery SUCCESS)"} with input as vpc([flow("fl-1", "ACTIVE", "ACCEPT", "SUCCESS")])
}

test_failing_delivery_fails if {
	count(policy.deny) == 1 with input as vpc([flow("fl-1", "ACTIVE", "ALL", "FAILED")])
}

test_one_good_flow_log_among_others_passes if {
	count(policy.deny) == 0 with input as vpc([flow("fl-1", "ACTIVE", "ACCEPT", "SUCCESS"), flow("fl-2", "ACTIVE", "ALL", "SUCCESS")])
}

test_missing_flow_log_list_fails if {
	count(policy.deny) == 1 with input as vpc(null)
}
