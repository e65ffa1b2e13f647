//! EC2 security groups (`AWS.EC2.SecurityGroup`).

use super::naming::{arn, tag_map};
use super::service::{emit, missing_or_error, SERVICE};
use crate::aws::error::api_error;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_ec2::types::{IpPermission, SecurityGroup};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};

pub(super) const SECURITY_GROUP: &str = "AWS.EC2.SecurityGroup";

pub(super) async fn collect(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    let mut items = client.describe_security_groups().into_paginator().items().send();
    while let Some(item) = items.next().await {
        let group = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeSecurityGroups", e))?;
        emit(out, security_group_resource(ctx, region, &group)).await?;
    }
    Ok(())
}

/// DescribeSecurityGroups for one group id; `InvalidGroup.NotFound` means it is gone.
pub(super) async fn fetch(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    id: &str,
) -> Result<Option<Resource>, CollectError> {
    let op = "DescribeSecurityGroups";
    let found = match client.describe_security_groups().group_ids(id).send().await {
        Ok(o) => o.security_groups().iter().find(|g| g.group_id() == Some(id)).cloned(),
        Err(e) => return missing_or_error(e, "InvalidGroup.NotFound", region, op),
    };
    found.map_or(Ok(None), |g| security_group_resource(ctx, region, &g))
}

fn security_group_resource(
    ctx: &AwsContext,
    region: &Region,
    group: &SecurityGroup,
) -> Result<Option<Resource>, CollectError> {
    let Some(id) = group.group_id() else { return Ok(None) };
    let name = group.group_name().unwrap_or(id).to_string();
    let arn = arn(region, ctx.account_id().as_str(), &format!("security-group/{id}"));
    ctx.resource(SECURITY_GROUP, arn, region, name, tag_map(group.tags()), security_group_attributes(group)).map(Some)
}

// ---- pure: SDK shapes to attributes ----

fn security_group_attributes(group: &SecurityGroup) -> Value {
    json!({
        "GroupId": group.group_id(),
        "GroupName": group.group_name(),
        "Description": group.description(),
        "VpcId": group.vpc_id(),
        "OwnerId": group.owner_id(),
        "IpPermissions": group.ip_permissions().iter().map(ip_permission).collect::<Vec<_>>(),
        "IpPermissionsEgress": group.ip_permissions_egress().iter().map(ip_permission).collect::<Vec<_>>(),
    })
}

/// One rule as the API gives it: the protocol stays as returned ("tcp", "6", "-1", ...) and
/// ports absent for all-protocol rules are null.
fn ip_permission(p: &IpPermission) -> Value {
    json!({
        "IpProtocol": p.ip_protocol(),
        "FromPort": p.from_port(),
        "ToPort": p.to_port(),
        "IpRanges": p.ip_ranges().iter()
            .map(|r| json!({"CidrIp": r.cidr_ip(), "Description": r.description()}))
            .collect::<Vec<_>>(),
        "Ipv6Ranges": p.ipv6_ranges().iter()
            .map(|r| json!({"CidrIpv6": r.cidr_ipv6(), "Description": r.description()}))
            .collect::<Vec<_>>(),
        "PrefixListIds": p.prefix_list_ids().iter()
            .map(|r| json!({"PrefixListId": r.prefix_list_id(), "Description": r.description()}))
            .collect::<Vec<_>>(),
        "UserIdGroupPairs": p.user_id_group_pairs().iter()
            .map(|g| json!({
                "GroupId": g.group_id(),
                "UserId": g.user_id(),
                "VpcId": g.vpc_id(),
                "Description": g.description(),
            }))
            .collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{IpRange, Ipv6Range, PrefixListId, UserIdGroupPair};

    /// Compares attributes as pretty JSON so a failure shows the whole difference.
    fn check(actual: Value, expected: Value) {
        assert_eq!(serde_json::to_string_pretty(&actual).unwrap(), serde_json::to_string_pretty(&expected).unwrap());
    }

    #[test]
    fn security_group_keeps_protocols_and_nulls_absent_ports() {
        let group = SecurityGroup::builder()
            .group_id("sg-1")
            .group_name("web")
            .description("web tier")
            .vpc_id("vpc-1")
            .owner_id("111122223333")
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("6")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").description("ssh").build())
                    .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                    .prefix_list_ids(PrefixListId::builder().prefix_list_id("pl-1").build())
                    .user_id_group_pairs(
                        UserIdGroupPair::builder().group_id("sg-2").user_id("111122223333").vpc_id("vpc-1").build(),
                    )
                    .build(),
            )
            .ip_permissions_egress(
                IpPermission::builder()
                    .ip_protocol("-1")
                    .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .build();
        check(
            security_group_attributes(&group),
            json!({
                "GroupId": "sg-1", "GroupName": "web", "Description": "web tier", "VpcId": "vpc-1",
                "OwnerId": "111122223333",
                "IpPermissions": [{
                    "IpProtocol": "6", "FromPort": 22, "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}],
                    "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": null}],
                    "PrefixListIds": [{"PrefixListId": "pl-1", "Description": null}],
                    "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "111122223333", "VpcId": "vpc-1", "Description": null}],
                }],
                "IpPermissionsEgress": [{
                    "IpProtocol": "-1", "FromPort": null, "ToPort": null,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": null}],
                    "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [],
                }],
            }),
        );
    }
}
