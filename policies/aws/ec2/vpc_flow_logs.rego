# METADATA
# title: Ensure VPC flow logging is enabled in all VPCs
# description: >-
#   Flow logs record the IP traffic accepted and rejected in a VPC, which is how anomalous
#   connections are found and incidents scoped. Every VPC needs an active flow log that captures
#   rejected traffic (traffic type REJECT or ALL) and is not failing to deliver.
# custom:
#   id: AWS.EC2.VPC.FlowLogs
#   severity: MEDIUM
#   resource_types: [AWS.EC2.VPC]
#   remediation: >-
#     aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC --traffic-type REJECT (or
#     ALL) --log-destination-type s3 --log-destination arn:aws:s3:::BUCKET, or deliver to
#     CloudWatch Logs with --log-group-name and --deliver-logs-permission-arn ROLE. Set a
#     retention period on the destination.
#   references:
#     - https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html
#     - https://docs.aws.amazon.com/vpc/latest/userguide/working-with-flow-logs.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.7"]
package palisade.aws.ec2.vpc_flow_logs

flow_logs := object.get(input.attributes, "FlowLogs", []) if is_array(object.get(input.attributes, "FlowLogs", []))

flow_logs := [] if not is_array(object.get(input.attributes, "FlowLogs", []))

captures_rejects(f) if {
	f.FlowLogStatus == "ACTIVE"
	f.TrafficType in {"ALL", "REJECT"}
	object.get(f, "DeliverLogsStatus", null) != "FAILED"
}

deny contains msg if {
	count(flow_logs) == 0
	msg := sprintf("VPC %s has no flow log", [input.attributes.VpcId])
}

deny contains msg if {
	count(flow_logs) > 0
	not some_captures_rejects
	states := sort([sprintf("%s: %v %v, delivery %v", [f.FlowLogId, f.FlowLogStatus, f.TrafficType, object.get(f, "DeliverLogsStatus", null)]) | some f in flow_logs])
	msg := sprintf("VPC %s has no active flow log capturing rejected traffic (%s)", [input.attributes.VpcId, concat("; ", states)])
}

some_captures_rejects if {
	some f in flow_logs
	captures_rejects(f)
}
