//! Network ACLs (`AWS.EC2.NetworkAcl`): their rules and the subnets they guard.

use super::naming::{arn, name_or, tag_map};
use super::service::{emit, missing_or_error, SERVICE};
use crate::aws::error::api_error;
use crate::aws::AwsContext;
use crate::{CollectError, Emitter};
use aws_sdk_ec2::types::{NetworkAcl, NetworkAclEntry};
use palisade_model::{Region, Resource};
use serde_json::{json, Value};

pub(super) const NETWORK_ACL: &str = "AWS.EC2.NetworkAcl";

pub(super) async fn collect(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    out: &Emitter,
) -> Result<(), CollectError> {
    let mut items = client.describe_network_acls().into_paginator().items().send();
    while let Some(item) = items.next().await {
        let acl = item.map_err(|e| api_error(SERVICE, region.as_str(), "DescribeNetworkAcls", e))?;
        emit(out, network_acl_resource(ctx, region, &acl)).await?;
    }
    Ok(())
}

/// DescribeNetworkAcls for one ACL id; `InvalidNetworkAclID.NotFound` means it is gone.
pub(super) async fn fetch(
    ctx: &AwsContext,
    client: &aws_sdk_ec2::Client,
    region: &Region,
    id: &str,
) -> Result<Option<Resource>, CollectError> {
    let op = "DescribeNetworkAcls";
    let found = match client.describe_network_acls().network_acl_ids(id).send().await {
        Ok(o) => o.network_acls().iter().find(|a| a.network_acl_id() == Some(id)).cloned(),
        Err(e) => return missing_or_error(e, "InvalidNetworkAclID.NotFound", region, op),
    };
    found.map_or(Ok(None), |a| network_acl_resource(ctx, region, &a))
}

fn network_acl_resource(ctx: &AwsContext, region: &Region, acl: &NetworkAcl) -> Result<Option<Resource>, CollectError> {
    let Some(id) = acl.network_acl_id() else { return Ok(None) };
    let tags = tag_map(acl.tags());
    let name = name_or(&tags, id);
    let arn = arn(region, ctx.account_id().as_str(), &format!("network-acl/{id}"));
    ctx.resource(NETWORK_ACL, arn, region, name, tags, network_acl_attributes(acl)).map(Some)
}

// ---- pure: SDK shapes to attributes ----

/// Entries are sorted by direction (ingress first) and rule number, the order AWS evaluates them
/// in: the first matching rule decides, so a lower-numbered deny shadows a later allow.
fn network_acl_attributes(acl: &NetworkAcl) -> Value {
    let mut entries: Vec<&NetworkAclEntry> = acl.entries().iter().collect();
    entries.sort_by_key(|e| (e.egress().unwrap_or(false), e.rule_number().unwrap_or(i32::MAX)));
    json!({
        "NetworkAclId": acl.network_acl_id(),
        "VpcId": acl.vpc_id(),
        "IsDefault": acl.is_default(),
        "OwnerId": acl.owner_id(),
        "Entries": entries.into_iter().map(entry).collect::<Vec<_>>(),
        "Associations": acl.associations().iter()
            .map(|a| json!({"SubnetId": a.subnet_id(), "NetworkAclAssociationId": a.network_acl_association_id()}))
            .collect::<Vec<_>>(),
    })
}

/// One rule as the API gives it: the protocol stays a number as text (`-1` is every protocol),
/// and the port range and ICMP type are null where the protocol has none.
fn entry(e: &NetworkAclEntry) -> Value {
    json!({
        "RuleNumber": e.rule_number(),
        "Protocol": e.protocol(),
        "RuleAction": e.rule_action().map(|a| a.as_str()),
        "Egress": e.egress(),
        "CidrBlock": e.cidr_block(),
        "Ipv6CidrBlock": e.ipv6_cidr_block(),
        "PortRange": e.port_range().map(|p| json!({"From": p.from(), "To": p.to()})),
        "IcmpTypeCode": e.icmp_type_code().map(|i| json!({"Code": i.code(), "Type": i.r#type()})),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{IcmpTypeCode, NetworkAclAssociation, PortRange, RuleAction, Tag};

    /// Compares attributes as pretty JSON so a failure shows the whole difference.
    fn check(actual: Value, expected: Value) {
        assert_eq!(serde_json::to_string_pretty(&actual).unwrap(), serde_json::to_string_pretty(&expected).unwrap());
    }

    fn rule(
        number: i32,
        egress: bool,
        action: RuleAction,
        protocol: &str,
    ) -> aws_sdk_ec2::types::builders::NetworkAclEntryBuilder {
        NetworkAclEntry::builder().rule_number(number).egress(egress).rule_action(action).protocol(protocol)
    }

    #[test]
    fn entries_come_in_evaluation_order_with_null_ranges() {
        let acl = NetworkAcl::builder()
            .network_acl_id("acl-1")
            .vpc_id("vpc-1")
            .is_default(false)
            .owner_id("111122223333")
            .entries(rule(32767, true, RuleAction::Deny, "-1").cidr_block("0.0.0.0/0").build())
            .entries(
                rule(200, false, RuleAction::Allow, "6")
                    .cidr_block("0.0.0.0/0")
                    .port_range(PortRange::builder().from(22).to(22).build())
                    .build(),
            )
            .entries(
                rule(100, false, RuleAction::Deny, "6")
                    .ipv6_cidr_block("::/0")
                    .port_range(PortRange::builder().from(3389).to(3389).build())
                    .build(),
            )
            .entries(
                rule(110, false, RuleAction::Allow, "1")
                    .cidr_block("10.0.0.0/8")
                    .icmp_type_code(IcmpTypeCode::builder().code(-1).r#type(8).build())
                    .build(),
            )
            .associations(
                NetworkAclAssociation::builder().subnet_id("subnet-1").network_acl_association_id("aclassoc-1").build(),
            )
            .tags(Tag::builder().key("Name").value("edge").build())
            .build();
        check(
            network_acl_attributes(&acl),
            json!({
                "NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": false, "OwnerId": "111122223333",
                "Entries": [
                    {"RuleNumber": 100, "Protocol": "6", "RuleAction": "deny", "Egress": false, "CidrBlock": null,
                     "Ipv6CidrBlock": "::/0", "PortRange": {"From": 3389, "To": 3389}, "IcmpTypeCode": null},
                    {"RuleNumber": 110, "Protocol": "1", "RuleAction": "allow", "Egress": false,
                     "CidrBlock": "10.0.0.0/8", "Ipv6CidrBlock": null, "PortRange": null,
                     "IcmpTypeCode": {"Code": -1, "Type": 8}},
                    {"RuleNumber": 200, "Protocol": "6", "RuleAction": "allow", "Egress": false,
                     "CidrBlock": "0.0.0.0/0", "Ipv6CidrBlock": null, "PortRange": {"From": 22, "To": 22},
                     "IcmpTypeCode": null},
                    {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": true,
                     "CidrBlock": "0.0.0.0/0", "Ipv6CidrBlock": null, "PortRange": null, "IcmpTypeCode": null},
                ],
                "Associations": [{"SubnetId": "subnet-1", "NetworkAclAssociationId": "aclassoc-1"}],
            }),
        );
        assert_eq!(name_or(&tag_map(acl.tags()), "acl-1"), "edge");
    }

    #[test]
    fn bare_acl_has_empty_lists() {
        let attrs = network_acl_attributes(&NetworkAcl::builder().network_acl_id("acl-2").build());
        assert_eq!(attrs["Entries"], json!([]));
        assert_eq!(attrs["Associations"], json!([]));
        assert_eq!(attrs["IsDefault"], Value::Null);
    }
}
