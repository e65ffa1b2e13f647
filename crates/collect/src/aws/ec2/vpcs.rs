//! VPCs (`AWS.EC2.VPC`) with the flow logs attached to each.

use super::naming::{arn, name_or, tag_map};
use super::service::{emit, missing_or_error, SERVICE};
use crate::aws::error::api_error;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_ec2::types::{Filter, FlowLog, Vpc};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub(super) const VPC: &str = "AWS.EC2.VPC";

/// Flow logs by the id of the resource they watch.
type FlowLogs = BTreeMap<String, Vec<FlowLog>>;

/// Lists the region's flow logs once, then every VPC with its own. Without the flow logs no VPC
/// is emitted: an empty `FlowLogs` would read as "not logged".
pub(super) async fn collect(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    let flow_logs = flow_logs(client, region, None).await?;
    let mut items = client.describe_vpcs().into_paginator().items().send();
    while let Some(item) = items.next().await {
        let vpc = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeVpcs", e))?;
        let logs = vpc.vpc_id().and_then(|id| flow_logs.get(id)).map(Vec::as_slice).unwrap_or_default();
        emit(out, vpc_resource(ctx, region, &vpc, logs)).await?;
    }
    Ok(())
}

/// DescribeVpcs for one VPC id (`InvalidVpcID.NotFound` means it is gone) and its flow logs.
pub(super) async fn fetch(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    id: &str,
) -> Result<Option<Resource>, CollectError> {
    let op = "DescribeVpcs";
    let found = match client.describe_vpcs().vpc_ids(id).send().await {
        Ok(o) => o.vpcs().iter().find(|v| v.vpc_id() == Some(id)).cloned(),
        Err(e) => return missing_or_error(e, "InvalidVpcID.NotFound", region, op),
    };
    let Some(vpc) = found else { return Ok(None) };
    let flow_logs = flow_logs(client, region, Some(id)).await?;
    vpc_resource(ctx, region, &vpc, flow_logs.get(id).map(Vec::as_slice).unwrap_or_default())
}

/// DescribeFlowLogs (all pages), for every resource or only `resource_id`, grouped by resource.
async fn flow_logs(
    client: &aws_sdk_ec2::Client,
    region: &Region,
    resource_id: Option<&str>,
) -> Result<FlowLogs, CollectError> {
    let mut request = client.describe_flow_logs();
    if let Some(id) = resource_id {
        request = request.filter(Filter::builder().name("resource-id").values(id).build());
    }
    let mut grouped = FlowLogs::new();
    let mut items = request.into_paginator().items().send();
    while let Some(item) = items.next().await {
        let log = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeFlowLogs", e))?;
        if let Some(resource) = log.resource_id() {
            grouped.entry(resource.to_string()).or_default().push(log);
        }
    }
    Ok(grouped)
}

fn vpc_resource(
    ctx: &AwsContext,
    region: &Region,
    vpc: &Vpc,
    flow_logs: &[FlowLog],
) -> Result<Option<Resource>, CollectError> {
    let Some(id) = vpc.vpc_id() else { return Ok(None) };
    let tags = tag_map(vpc.tags());
    let name = name_or(&tags, id);
    let arn = arn(region, ctx.account_id().as_str(), &format!("vpc/{id}"));
    ctx.resource(VPC, arn, region, name, tags, vpc_attributes(vpc, flow_logs)).map(Some)
}

// ---- pure: SDK shapes to attributes ----

fn vpc_attributes(v: &Vpc, flow_logs: &[FlowLog]) -> Value {
    let mut flow_logs: Vec<&FlowLog> = flow_logs.iter().collect();
    flow_logs.sort_by(|a, b| a.flow_log_id().cmp(&b.flow_log_id()));
    json!({
        "VpcId": v.vpc_id(),
        "CidrBlock": v.cidr_block(),
        "IsDefault": v.is_default(),
        "State": v.state().map(|s| s.as_str()),
        "OwnerId": v.owner_id(),
        "DhcpOptionsId": v.dhcp_options_id(),
        "InstanceTenancy": v.instance_tenancy().map(|t| t.as_str()),
        "CidrBlockAssociationSet": v.cidr_block_association_set().iter()
            .map(|a| json!({
                "CidrBlock": a.cidr_block(),
                "State": a.cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str()),
            }))
            .collect::<Vec<_>>(),
        "Ipv6CidrBlockAssociationSet": v.ipv6_cidr_block_association_set().iter()
            .map(|a| json!({
                "Ipv6CidrBlock": a.ipv6_cidr_block(),
                "State": a.ipv6_cidr_block_state().and_then(|s| s.state()).map(|s| s.as_str()),
            }))
            .collect::<Vec<_>>(),
        "FlowLogs": flow_logs.into_iter().map(flow_log).collect::<Vec<_>>(),
    })
}

fn flow_log(f: &FlowLog) -> Value {
    json!({
        "FlowLogId": f.flow_log_id(),
        "FlowLogStatus": f.flow_log_status(),
        "TrafficType": f.traffic_type().map(|t| t.as_str()),
        "LogDestinationType": f.log_destination_type().map(|t| t.as_str()),
        "LogDestination": f.log_destination(),
        "LogGroupName": f.log_group_name(),
        "DeliverLogsStatus": f.deliver_logs_status(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{
        LogDestinationType, Tenancy, TrafficType, VpcCidrBlockAssociation, VpcCidrBlockState, VpcCidrBlockStateCode,
        VpcIpv6CidrBlockAssociation, VpcState,
    };

    /// Compares attributes as pretty JSON so a failure shows the whole difference.
    fn check(actual: Value, expected: Value) {
        assert_eq!(serde_json::to_string_pretty(&actual).unwrap(), serde_json::to_string_pretty(&expected).unwrap());
    }

    #[test]
    fn vpc_reports_its_cidr_associations_and_flow_logs() {
        let vpc = Vpc::builder()
            .vpc_id("vpc-1")
            .cidr_block("10.0.0.0/16")
            .is_default(false)
            .state(VpcState::Available)
            .owner_id("111122223333")
            .dhcp_options_id("dopt-1")
            .instance_tenancy(Tenancy::Default)
            .cidr_block_association_set(
                VpcCidrBlockAssociation::builder()
                    .cidr_block("10.0.0.0/16")
                    .cidr_block_state(VpcCidrBlockState::builder().state(VpcCidrBlockStateCode::Associated).build())
                    .build(),
            )
            .ipv6_cidr_block_association_set(
                VpcIpv6CidrBlockAssociation::builder()
                    .ipv6_cidr_block("2600:1f18::/56")
                    .ipv6_cidr_block_state(
                        VpcCidrBlockState::builder().state(VpcCidrBlockStateCode::Associated).build(),
                    )
                    .build(),
            )
            .build();
        let to_s3 = FlowLog::builder()
            .flow_log_id("fl-2")
            .flow_log_status("ACTIVE")
            .traffic_type(TrafficType::Reject)
            .log_destination_type(LogDestinationType::S3)
            .log_destination("arn:aws:s3:::flow-logs")
            .deliver_logs_status("SUCCESS")
            .resource_id("vpc-1")
            .build();
        let to_logs = FlowLog::builder()
            .flow_log_id("fl-1")
            .flow_log_status("ACTIVE")
            .traffic_type(TrafficType::All)
            .log_destination_type(LogDestinationType::CloudWatchLogs)
            .log_group_name("vpc-flow")
            .deliver_logs_status("FAILED")
            .resource_id("vpc-1")
            .build();
        check(
            vpc_attributes(&vpc, &[to_s3, to_logs]),
            json!({
                "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "IsDefault": false, "State": "available",
                "OwnerId": "111122223333", "DhcpOptionsId": "dopt-1", "InstanceTenancy": "default",
                "CidrBlockAssociationSet": [{"CidrBlock": "10.0.0.0/16", "State": "associated"}],
                "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18::/56", "State": "associated"}],
                "FlowLogs": [
                    {"FlowLogId": "fl-1", "FlowLogStatus": "ACTIVE", "TrafficType": "ALL",
                     "LogDestinationType": "cloud-watch-logs", "LogDestination": null, "LogGroupName": "vpc-flow",
                     "DeliverLogsStatus": "FAILED"},
                    {"FlowLogId": "fl-2", "FlowLogStatus": "ACTIVE", "TrafficType": "REJECT",
                     "LogDestinationType": "s3", "LogDestination": "arn:aws:s3:::flow-logs", "LogGroupName": null,
                     "DeliverLogsStatus": "SUCCESS"},
                ],
            }),
        );
        assert_eq!(vpc_attributes(&Vpc::builder().vpc_id("vpc-2").build(), &[])["FlowLogs"], json!([]));
    }
}
