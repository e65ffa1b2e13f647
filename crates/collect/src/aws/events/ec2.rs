//! EC2 events: security groups, instances, volumes, snapshots, VPCs (with their flow logs),
//! network ACLs, the region's EBS encryption defaults, and tags on any of them.
//!
//! EC2 logs some calls with flat lowerCamel parameters (`groupId`) and newer ones wrapped in the
//! request shape (`ModifySecurityGroupRulesRequest.GroupId`, ids as `{"tag", "content"}`), so
//! ids are found by key and prefix at any depth of the request and response.

use super::locate::{ids_in_event, ids_under, strings_at, top_or_wrapped, Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn;

const EC2: &str = "ec2.amazonaws.com";

const SECURITY_GROUP: &str = "AWS.EC2.SecurityGroup";
const INSTANCE: &str = "AWS.EC2.Instance";
const VOLUME: &str = "AWS.EC2.Volume";
const SNAPSHOT: &str = "AWS.EC2.Snapshot";
const VPC: &str = "AWS.EC2.VPC";
const NETWORK_ACL: &str = "AWS.EC2.NetworkAcl";
const REGION_SETTINGS: &str = "AWS.Region.EC2";

const GROUP: Locator = Locator::refs(
    group,
    "`groupId`/`GroupId` (`sg-`) at the top of `requestParameters` or of its `...Request` wrapper, else of \
     `responseElements` or its `securityGroupRuleSet` (a group named only by `groupName`)",
);
const INSTANCES: Locator =
    Locator::refs(instances, "every `instanceId`/`InstanceId` (`i-`) in `requestParameters` and `responseElements`");
const VOLUMES: Locator =
    Locator::refs(volumes, "every `volumeId`/`VolumeId` (`vol-`) in `requestParameters` and `responseElements`");
const SNAPSHOTS: Locator =
    Locator::refs(snapshots, "every `snapshotId`/`SnapshotId` (`snap-`) in `requestParameters` and `responseElements`");
const VPCS: Locator =
    Locator::refs(vpcs, "every `vpcId`/`VpcId` (`vpc-`) in `requestParameters` and `responseElements`");
const FLOW_LOG_VPCS: Locator = Locator::refs(
    flow_log_vpcs,
    "the `vpc-` ids in `requestParameters.CreateFlowLogsRequest.ResourceId` (flow logs on subnets and interfaces \
     touch no VPC record)",
);
const FLOW_LOG_DELETED: Locator = Locator::recollect(
    "none: the event names only the flow log, not its VPC, so the EC2 collector runs again for the region",
);
const NETWORK_ACLS: Locator =
    Locator::refs(network_acls, "every `networkAclId` (`acl-`) in `requestParameters` and `responseElements`");
const SETTINGS: Locator =
    Locator::refs(region_settings, "the region's one resource, `arn:aws:ec2:{region}:{account}:region-settings`");

const TAGGED_GROUPS: Locator =
    Locator::refs(tagged_groups, "`sg-` ids in `requestParameters.resourcesSet.items[].resourceId`");
const TAGGED_INSTANCES: Locator =
    Locator::refs(tagged_instances, "`i-` ids in `requestParameters.resourcesSet.items[].resourceId`");
const TAGGED_VOLUMES: Locator =
    Locator::refs(tagged_volumes, "`vol-` ids in `requestParameters.resourcesSet.items[].resourceId`");
const TAGGED_SNAPSHOTS: Locator =
    Locator::refs(tagged_snapshots, "`snap-` ids in `requestParameters.resourcesSet.items[].resourceId`");
const TAGGED_VPCS: Locator =
    Locator::refs(tagged_vpcs, "`vpc-` ids in `requestParameters.resourcesSet.items[].resourceId`");
const TAGGED_ACLS: Locator =
    Locator::refs(tagged_acls, "`acl-` ids in `requestParameters.resourcesSet.items[].resourceId`");

pub(super) const RULES: &[EventRule] = &[
    // Security groups.
    rule(EC2, "CreateSecurityGroup", SECURITY_GROUP, Create, GROUP),
    rule(EC2, "DeleteSecurityGroup", SECURITY_GROUP, Delete, GROUP),
    rule(EC2, "AuthorizeSecurityGroupIngress", SECURITY_GROUP, Modify, GROUP),
    rule(EC2, "RevokeSecurityGroupIngress", SECURITY_GROUP, Modify, GROUP),
    rule(EC2, "AuthorizeSecurityGroupEgress", SECURITY_GROUP, Modify, GROUP),
    rule(EC2, "RevokeSecurityGroupEgress", SECURITY_GROUP, Modify, GROUP),
    rule(EC2, "ModifySecurityGroupRules", SECURITY_GROUP, Modify, GROUP),
    rule(EC2, "UpdateSecurityGroupRuleDescriptionsIngress", SECURITY_GROUP, Modify, GROUP),
    rule(EC2, "UpdateSecurityGroupRuleDescriptionsEgress", SECURITY_GROUP, Modify, GROUP),
    // Instances.
    rule(EC2, "RunInstances", INSTANCE, Create, INSTANCES),
    rule(EC2, "TerminateInstances", INSTANCE, Delete, INSTANCES),
    rule(EC2, "StartInstances", INSTANCE, Modify, INSTANCES),
    rule(EC2, "StopInstances", INSTANCE, Modify, INSTANCES),
    rule(EC2, "ModifyInstanceAttribute", INSTANCE, Modify, INSTANCES),
    rule(EC2, "ModifyInstanceMetadataOptions", INSTANCE, Modify, INSTANCES),
    rule(EC2, "MonitorInstances", INSTANCE, Modify, INSTANCES),
    rule(EC2, "UnmonitorInstances", INSTANCE, Modify, INSTANCES),
    rule(EC2, "AssociateIamInstanceProfile", INSTANCE, Modify, INSTANCES),
    rule(EC2, "ReplaceIamInstanceProfileAssociation", INSTANCE, Modify, INSTANCES),
    rule(EC2, "DisassociateIamInstanceProfile", INSTANCE, Modify, INSTANCES),
    // Volumes; attaching one changes both records.
    rule(EC2, "CreateVolume", VOLUME, Create, VOLUMES),
    rule(EC2, "DeleteVolume", VOLUME, Delete, VOLUMES),
    rule(EC2, "ModifyVolume", VOLUME, Modify, VOLUMES),
    rule(EC2, "AttachVolume", VOLUME, Modify, VOLUMES),
    rule(EC2, "AttachVolume", INSTANCE, Modify, INSTANCES),
    rule(EC2, "DetachVolume", VOLUME, Modify, VOLUMES),
    rule(EC2, "DetachVolume", INSTANCE, Modify, INSTANCES),
    // Snapshots.
    rule(EC2, "CreateSnapshot", SNAPSHOT, Create, SNAPSHOTS),
    rule(EC2, "CreateSnapshots", SNAPSHOT, Create, SNAPSHOTS),
    rule(EC2, "CopySnapshot", SNAPSHOT, Create, SNAPSHOTS),
    rule(EC2, "DeleteSnapshot", SNAPSHOT, Delete, SNAPSHOTS),
    rule(EC2, "ModifySnapshotAttribute", SNAPSHOT, Modify, SNAPSHOTS),
    rule(EC2, "ResetSnapshotAttribute", SNAPSHOT, Modify, SNAPSHOTS),
    // VPCs and the flow logs their records hold.
    rule(EC2, "CreateVpc", VPC, Create, VPCS),
    rule(EC2, "CreateDefaultVpc", VPC, Create, VPCS),
    rule(EC2, "DeleteVpc", VPC, Delete, VPCS),
    rule(EC2, "ModifyVpcAttribute", VPC, Modify, VPCS),
    rule(EC2, "CreateFlowLogs", VPC, Modify, FLOW_LOG_VPCS),
    rule(EC2, "DeleteFlowLogs", VPC, Modify, FLOW_LOG_DELETED),
    // Network ACLs.
    rule(EC2, "CreateNetworkAcl", NETWORK_ACL, Create, NETWORK_ACLS),
    rule(EC2, "DeleteNetworkAcl", NETWORK_ACL, Delete, NETWORK_ACLS),
    rule(EC2, "CreateNetworkAclEntry", NETWORK_ACL, Modify, NETWORK_ACLS),
    rule(EC2, "ReplaceNetworkAclEntry", NETWORK_ACL, Modify, NETWORK_ACLS),
    rule(EC2, "DeleteNetworkAclEntry", NETWORK_ACL, Modify, NETWORK_ACLS),
    rule(EC2, "ReplaceNetworkAclAssociation", NETWORK_ACL, Modify, NETWORK_ACLS),
    // The region's EBS defaults.
    rule(EC2, "EnableEbsEncryptionByDefault", REGION_SETTINGS, Modify, SETTINGS),
    rule(EC2, "DisableEbsEncryptionByDefault", REGION_SETTINGS, Modify, SETTINGS),
    rule(EC2, "ModifyEbsDefaultKmsKeyId", REGION_SETTINGS, Modify, SETTINGS),
    rule(EC2, "ResetEbsDefaultKmsKeyId", REGION_SETTINGS, Modify, SETTINGS),
    // Tags (and so names, from the Name tag) of every kind above.
    rule(EC2, "CreateTags", SECURITY_GROUP, Modify, TAGGED_GROUPS),
    rule(EC2, "DeleteTags", SECURITY_GROUP, Modify, TAGGED_GROUPS),
    rule(EC2, "CreateTags", INSTANCE, Modify, TAGGED_INSTANCES),
    rule(EC2, "DeleteTags", INSTANCE, Modify, TAGGED_INSTANCES),
    rule(EC2, "CreateTags", VOLUME, Modify, TAGGED_VOLUMES),
    rule(EC2, "DeleteTags", VOLUME, Modify, TAGGED_VOLUMES),
    rule(EC2, "CreateTags", SNAPSHOT, Modify, TAGGED_SNAPSHOTS),
    rule(EC2, "DeleteTags", SNAPSHOT, Modify, TAGGED_SNAPSHOTS),
    rule(EC2, "CreateTags", VPC, Modify, TAGGED_VPCS),
    rule(EC2, "DeleteTags", VPC, Modify, TAGGED_VPCS),
    rule(EC2, "CreateTags", NETWORK_ACL, Modify, TAGGED_ACLS),
    rule(EC2, "DeleteTags", NETWORK_ACL, Modify, TAGGED_ACLS),
];

/// The EC2 collector's id: `arn:{partition}:ec2:{region}:{account}:{kind}/{id}`.
fn located(ev: &ApiCallEvent, kind: &str, id: &str) -> Located {
    Located::at(&ev.region, arn::regional("ec2", &ev.region, ev.account_id.as_str(), &format!("{kind}/{id}")))
}

/// Each id once, in the order found; none found is an error naming what was looked for.
fn required(ev: &ApiCallEvent, ids: Vec<&str>, kind: &str, what: &str) -> Found {
    let found = distinct(ev, ids, kind);
    if found.is_empty() {
        Err(format!("no {what} in requestParameters or responseElements"))
    } else {
        Ok(found)
    }
}

fn distinct(ev: &ApiCallEvent, ids: Vec<&str>, kind: &str) -> Vec<Located> {
    let mut out: Vec<Located> = Vec::new();
    for id in ids {
        let l = located(ev, kind, id);
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

fn group(ev: &ApiCallEvent) -> Found {
    // Not a deep search: a rule's ipPermissions may reference other groups, also keyed `groupId`.
    let keys = ["groupId", "GroupId"];
    let mut ids = top_or_wrapped(&ev.request_parameters, &keys);
    if ids.is_empty() {
        ids = top_or_wrapped(&ev.response_elements, &keys);
        ids.extend(strings_at(&ev.response_elements, "securityGroupRuleSet.items.groupId"));
    }
    ids.retain(|id| id.starts_with("sg-"));
    required(ev, ids, "security-group", "security group id (groupId)")
}

fn instances(ev: &ApiCallEvent) -> Found {
    required(ev, ids_in_event(ev, &["instanceId", "InstanceId"], "i-"), "instance", "instance id (instanceId)")
}

fn volumes(ev: &ApiCallEvent) -> Found {
    required(ev, ids_in_event(ev, &["volumeId", "VolumeId"], "vol-"), "volume", "volume id (volumeId)")
}

fn snapshots(ev: &ApiCallEvent) -> Found {
    required(ev, ids_in_event(ev, &["snapshotId", "SnapshotId"], "snap-"), "snapshot", "snapshot id (snapshotId)")
}

fn vpcs(ev: &ApiCallEvent) -> Found {
    required(ev, ids_in_event(ev, &["vpcId", "VpcId"], "vpc-"), "vpc", "VPC id (vpcId)")
}

fn flow_log_vpcs(ev: &ApiCallEvent) -> Found {
    Ok(distinct(ev, ids_under(&ev.request_parameters, &["ResourceId", "resourceId"], "vpc-"), "vpc"))
}

fn network_acls(ev: &ApiCallEvent) -> Found {
    required(
        ev,
        ids_in_event(ev, &["networkAclId", "NetworkAclId"], "acl-"),
        "network-acl",
        "network ACL id (networkAclId)",
    )
}

fn region_settings(ev: &ApiCallEvent) -> Found {
    let id = arn::regional("ec2", &ev.region, ev.account_id.as_str(), "region-settings");
    Ok(vec![Located::at(&ev.region, id)])
}

fn tagged(ev: &ApiCallEvent, prefix: &str, kind: &str) -> Found {
    let ids = strings_at(&ev.request_parameters, "resourcesSet.items.resourceId");
    Ok(distinct(ev, ids.into_iter().filter(|id| id.starts_with(prefix)).collect(), kind))
}

fn tagged_groups(ev: &ApiCallEvent) -> Found {
    tagged(ev, "sg-", "security-group")
}
fn tagged_instances(ev: &ApiCallEvent) -> Found {
    tagged(ev, "i-", "instance")
}
fn tagged_volumes(ev: &ApiCallEvent) -> Found {
    tagged(ev, "vol-", "volume")
}
fn tagged_snapshots(ev: &ApiCallEvent) -> Found {
    tagged(ev, "snap-", "snapshot")
}
fn tagged_vpcs(ev: &ApiCallEvent) -> Found {
    tagged(ev, "vpc-", "vpc")
}
fn tagged_acls(ev: &ApiCallEvent) -> Found {
    tagged(ev, "acl-", "network-acl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, region, unresolvable, ACCOUNT};
    use crate::aws::events::{interpret, Interpretation, Recollection};
    use crate::aws::AwsService;
    use serde_json::json;

    /// The collector's id for `kind/id` in `region`, through the collectors' own ARN builder.
    fn id(region_name: &str, kind: &str, id: &str) -> String {
        arn::regional("ec2", &region(region_name), ACCOUNT, &format!("{kind}/{id}"))
    }

    #[test]
    fn run_instances_rescans_every_launched_instance() {
        let ids: Vec<String> = ["i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002", "i-0a1b2c3d4e5f60003"]
            .map(|i| id("us-west-2", "instance", i))
            .into();
        check(
            &fixture("ec2_run_instances.json"),
            &[(INSTANCE, "us-west-2", &ids[0]), (INSTANCE, "us-west-2", &ids[1]), (INSTANCE, "us-west-2", &ids[2])],
        );
    }

    #[test]
    fn an_ingress_rule_rescans_its_group_not_the_group_it_references() {
        let sg = id("eu-west-1", "security-group", "sg-0123456789abcdef0");
        check(&fixture("ec2_authorize_security_group_ingress.json"), &[(SECURITY_GROUP, "eu-west-1", &sg)]);
    }

    #[test]
    fn wrapped_and_response_only_group_ids_are_found() {
        let modify = event(
            EC2,
            "ModifySecurityGroupRules",
            json!({"ModifySecurityGroupRulesRequest": {"GroupId": "sg-1", "SecurityGroupRule": {"SecurityGroupRuleId": "sgr-1"}}}),
            json!({"ModifySecurityGroupRulesResponse": {"return": true}}),
        );
        check(&modify, &[(SECURITY_GROUP, "us-east-1", &id("us-east-1", "security-group", "sg-1"))]);
        check(
            &fixture("ec2_create_security_group.json"),
            &[(SECURITY_GROUP, "us-east-1", &id("us-east-1", "security-group", "sg-0fedcba9876543210"))],
        );
        // Named only by groupName (default VPC): the response's rule set holds the id.
        let by_name = event(
            EC2,
            "AuthorizeSecurityGroupIngress",
            json!({"groupName": "web", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22}]}}),
            json!({"_return": true, "securityGroupRuleSet": {"items": [{"groupId": "sg-2", "securityGroupRuleId": "sgr-2"}]}}),
        );
        check(&by_name, &[(SECURITY_GROUP, "us-east-1", &id("us-east-1", "security-group", "sg-2"))]);
        let nameless = event(EC2, "DeleteSecurityGroup", json!({"groupName": "web"}), json!({"_return": true}));
        assert!(unresolvable(&nameless).contains("security group id"), "{}", unresolvable(&nameless));
    }

    #[test]
    fn metadata_options_are_read_from_the_wrapped_request() {
        let i = id("us-east-1", "instance", "i-0abc");
        check(&fixture("ec2_modify_instance_metadata_options.json"), &[(INSTANCE, "us-east-1", &i)]);
    }

    #[test]
    fn terminating_instances_names_each_once() {
        let items = json!({"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}]});
        let e = event(EC2, "TerminateInstances", json!({"instancesSet": items}), json!({"instancesSet": items}));
        check(
            &e,
            &[
                (INSTANCE, "us-east-1", &id("us-east-1", "instance", "i-1")),
                (INSTANCE, "us-east-1", &id("us-east-1", "instance", "i-2")),
            ],
        );
    }

    #[test]
    fn attaching_a_volume_rescans_volume_and_instance() {
        let e = event(
            EC2,
            "DetachVolume",
            json!({"volumeId": "vol-1", "force": false}),
            json!({"volumeId": "vol-1", "instanceId": "i-1", "status": "detaching"}),
        );
        check(
            &e,
            &[
                (VOLUME, "us-east-1", &id("us-east-1", "volume", "vol-1")),
                (INSTANCE, "us-east-1", &id("us-east-1", "instance", "i-1")),
            ],
        );
    }

    #[test]
    fn snapshots_vpcs_and_acls_come_from_request_or_response() {
        let snap = event(
            EC2,
            "CreateSnapshot",
            json!({"volumeId": "vol-1"}),
            json!({"snapshotId": "snap-1", "volumeId": "vol-1"}),
        );
        check(&snap, &[(SNAPSHOT, "us-east-1", &id("us-east-1", "snapshot", "snap-1"))]);
        let shared = event(
            EC2,
            "ModifySnapshotAttribute",
            json!({"snapshotId": "snap-2", "attributeType": "CREATE_VOLUME_PERMISSION"}),
            json!({"_return": true}),
        );
        check(&shared, &[(SNAPSHOT, "us-east-1", &id("us-east-1", "snapshot", "snap-2"))]);
        let vpc = event(
            EC2,
            "CreateVpc",
            json!({"cidrBlock": "10.0.0.0/16"}),
            json!({"vpc": {"vpcId": "vpc-1", "dhcpOptionsId": "dopt-1"}}),
        );
        check(&vpc, &[(VPC, "us-east-1", &id("us-east-1", "vpc", "vpc-1"))]);
        let acl = event(
            EC2,
            "CreateNetworkAcl",
            json!({"vpcId": "vpc-1"}),
            json!({"networkAcl": {"networkAclId": "acl-1", "vpcId": "vpc-1"}}),
        );
        check(&acl, &[(NETWORK_ACL, "us-east-1", &id("us-east-1", "network-acl", "acl-1"))]);
        let entry = event(
            EC2,
            "CreateNetworkAclEntry",
            json!({"networkAclId": "acl-2", "ruleNumber": 100, "egress": false}),
            json!({"_return": true}),
        );
        check(&entry, &[(NETWORK_ACL, "us-east-1", &id("us-east-1", "network-acl", "acl-2"))]);
    }

    #[test]
    fn flow_logs_rescan_their_vpc_and_a_deleted_one_recollects_the_region() {
        check(
            &fixture("ec2_create_flow_logs.json"),
            &[(VPC, "ap-southeast-2", &id("ap-southeast-2", "vpc", "vpc-0a1b2c3d"))],
        );
        // A flow log on a subnet touches no VPC record.
        let subnet = event(
            EC2,
            "CreateFlowLogs",
            json!({"CreateFlowLogsRequest": {"ResourceId": {"tag": 1, "content": "subnet-1"}, "ResourceType": "Subnet"}}),
            json!(null),
        );
        assert_eq!(interpret(&subnet), Interpretation::Unmapped);
        let deleted = fixture("ec2_delete_flow_logs.json");
        let expected = Recollection {
            service: AwsService::Ec2,
            account_id: deleted.account_id.clone(),
            region: region("ap-southeast-2"),
        };
        assert_eq!(interpret(&deleted), Interpretation::Recollect(vec![expected]));
    }

    #[test]
    fn ebs_defaults_rescan_the_region_settings() {
        let settings = arn::regional("ec2", &region("eu-north-1"), ACCOUNT, "region-settings");
        check(&fixture("ec2_disable_ebs_encryption_by_default.json"), &[(REGION_SETTINGS, "eu-north-1", &settings)]);
    }

    #[test]
    fn tags_rescan_each_tagged_resource_of_a_collected_kind() {
        let e = event(
            EC2,
            "CreateTags",
            json!({"resourcesSet": {"items": [{"resourceId": "i-1"}, {"resourceId": "sg-1"}, {"resourceId": "subnet-1"}, {"resourceId": "vpc-1"}]},
                   "tagSet": {"items": [{"key": "Name", "value": "web"}]}}),
            json!({"_return": true}),
        );
        check(
            &e,
            &[
                (INSTANCE, "us-east-1", &id("us-east-1", "instance", "i-1")),
                (SECURITY_GROUP, "us-east-1", &id("us-east-1", "security-group", "sg-1")),
                (VPC, "us-east-1", &id("us-east-1", "vpc", "vpc-1")),
            ],
        );
        let subnet_only =
            event(EC2, "DeleteTags", json!({"resourcesSet": {"items": [{"resourceId": "subnet-1"}]}}), json!(null));
        assert_eq!(interpret(&subnet_only), Interpretation::Unmapped);
    }

    #[test]
    fn a_run_without_instances_is_unresolvable() {
        let e = event(EC2, "RunInstances", json!({"instanceType": "t3.micro"}), json!(null));
        assert_eq!(unresolvable(&e), "no instance id (instanceId) in requestParameters or responseElements");
    }
}
