//! EC2 collector against the emulator: plants compliant and non-compliant resources in a fresh
//! account and checks the attributes policies will read, fetch by reference, and the action list.

use aws_sdk_ec2::types::{
    FlowLogsResourceType, HttpTokensState, IamInstanceProfileSpecification, InstanceMetadataOptionsRequest,
    InstanceType, IpPermission, IpRange, Ipv6Range, LogDestinationType, OperationType, PortRange, ResourceType,
    RuleAction, SnapshotAttributeName, Tag, TagSpecification, TrafficType, VolumeType,
};
use palisade_collect::aws::{ActionRecorder, AwsContext, AwsService, ContextOptions};
use palisade_collect::{Collected, Emitter};
use palisade_model::{AccountId, Region, Resource, ResourceId, ResourceRef};
use palisade_testkit::TestAccount;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const REGION: &str = "us-east-1";
/// moto runs any image id when its default AMIs are not loaded (MOTO_EC2_LOAD_DEFAULT_AMIS=false).
const IMAGE: &str = "ami-12345678";

/// Runs the EC2 collector and checks what every collection must satisfy: no errors, and every
/// resource stamped with the test account and its label.
async fn collect(acct: &TestAccount, region: &str) -> Vec<Resource> {
    let (resources, errors, result) = acct.collect(AwsService::Ec2, region).await;
    assert_eq!(result, Ok(()));
    assert!(errors.is_empty(), "{errors:?}");
    for r in &resources {
        assert_eq!(r.account_id.as_str(), acct.account_id, "{}", r.id);
        assert_eq!(r.label, "Test", "{}", r.id);
        assert_eq!(r.region.as_str(), region, "{}", r.id);
    }
    resources
}

fn find<'a>(resources: &'a [Resource], resource_type: &str, cloud_id: &str) -> &'a Resource {
    resources
        .iter()
        .find(|r| r.resource_type == resource_type && r.id.as_str().ends_with(&format!("/{cloud_id}")))
        .unwrap_or_else(|| {
            panic!("no {resource_type} {cloud_id} in {:?}", resources.iter().map(|r| &r.id).collect::<Vec<_>>())
        })
}

fn arn(acct: &TestAccount, resource: &str) -> String {
    format!("arn:aws:ec2:{REGION}:{}:{resource}", acct.account_id)
}

fn reference(acct: &TestAccount, resource_type: &str, id: String) -> ResourceRef {
    ResourceRef {
        resource_type: resource_type.into(),
        account_id: AccountId::new(acct.account_id.clone()).unwrap(),
        region: Region::new(REGION).unwrap(),
        id: ResourceId::new(id).unwrap(),
    }
}

async fn fetch(acct: &TestAccount, reference: &ResourceRef) -> Option<Resource> {
    let ctx = acct.context(&[reference.region.as_str()]).await;
    AwsService::Ec2.fetch(&ctx, reference).await.expect("fetch")
}

fn name_tag(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder().resource_type(resource).tags(Tag::builder().key("Name").value(name).build()).build()
}

fn cidr(cidr: &str) -> IpRange {
    IpRange::builder().cidr_ip(cidr).build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_groups_and_vpcs() {
    let acct = TestAccount::new().await;
    let ec2 = acct.ec2(REGION);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .tag_specifications(name_tag(ResourceType::Vpc, "palisade-vpc"))
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().unwrap();
    let vpc_id = vpc.vpc_id().unwrap().to_string();

    let open =
        ec2.create_security_group().group_name("open").description("wide open").vpc_id(&vpc_id).send().await.unwrap();
    let open_id = open.group_id().unwrap().to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&open_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").description("ssh from anywhere").build())
                .build(),
        )
        .ip_permissions(
            IpPermission::builder().ip_protocol("tcp").from_port(20).to_port(30).ip_ranges(cidr("0.0.0.0/0")).build(),
        )
        .ip_permissions(IpPermission::builder().ip_protocol("-1").ip_ranges(cidr("0.0.0.0/0")).build())
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(3389)
                .to_port(3389)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let internal = ec2
        .create_security_group()
        .group_name("internal")
        .description("https only")
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let internal_id = internal.group_id().unwrap().to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&internal_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(cidr("10.0.0.0/8"))
                .build(),
        )
        .send()
        .await
        .unwrap();

    let resources = collect(&acct, REGION).await;
    let account = acct.account_id.as_str();
    let default_egress = json!([{
        "IpProtocol": "-1", "FromPort": null, "ToPort": null,
        "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": null}],
        "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [],
    }]);

    let sg = find(&resources, "AWS.EC2.SecurityGroup", &open_id);
    assert_eq!(sg.id.as_str(), arn(&acct, &format!("security-group/{open_id}")));
    assert_eq!(sg.name, "open");
    assert_eq!(
        sg.attributes,
        json!({
            "GroupId": open_id, "GroupName": "open", "Description": "wide open", "VpcId": vpc_id, "OwnerId": account,
            "IpPermissions": [
                {
                    "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh from anywhere"}],
                    "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [],
                },
                {
                    "IpProtocol": "tcp", "FromPort": 20, "ToPort": 30,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": null}],
                    "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [],
                },
                {
                    "IpProtocol": "-1", "FromPort": null, "ToPort": null,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": null}],
                    "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [],
                },
                {
                    "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389,
                    "IpRanges": [], "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": null}],
                    "PrefixListIds": [], "UserIdGroupPairs": [],
                },
            ],
            "IpPermissionsEgress": default_egress,
        })
    );

    let sg = find(&resources, "AWS.EC2.SecurityGroup", &internal_id);
    assert_eq!(
        sg.attributes,
        json!({
            "GroupId": internal_id, "GroupName": "internal", "Description": "https only", "VpcId": vpc_id,
            "OwnerId": account,
            "IpPermissions": [{
                "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": null}],
                "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": [],
            }],
            "IpPermissionsEgress": default_egress,
        })
    );

    let v = find(&resources, "AWS.EC2.VPC", &vpc_id);
    assert_eq!(v.id.as_str(), arn(&acct, &format!("vpc/{vpc_id}")));
    assert_eq!(v.name, "palisade-vpc");
    assert_eq!(v.tags.get("Name").map(String::as_str), Some("palisade-vpc"));
    assert_eq!(
        v.attributes,
        json!({
            "VpcId": vpc_id, "CidrBlock": "10.20.0.0/16", "IsDefault": false, "State": "available",
            "OwnerId": account, "DhcpOptionsId": vpc.dhcp_options_id(), "InstanceTenancy": "default",
            "CidrBlockAssociationSet": [{"CidrBlock": "10.20.0.0/16", "State": "associated"}],
            "Ipv6CidrBlockAssociationSet": [],
            "FlowLogs": [],
        })
    );
    // The region's default VPC is collected too, and says so.
    assert!(resources.iter().any(|r| r.resource_type == "AWS.EC2.VPC" && r.attributes["IsDefault"] == json!(true)));

    // Fetch by reference gives the same resource; gone or unknown ones give None.
    let open_ref = find(&resources, "AWS.EC2.SecurityGroup", &open_id).reference();
    let fetched = fetch(&acct, &open_ref).await.expect("open group exists");
    assert_eq!(fetched.attributes, find(&resources, "AWS.EC2.SecurityGroup", &open_id).attributes);
    let fetched = fetch(&acct, &v.reference()).await.expect("vpc exists");
    assert_eq!(fetched.attributes, v.attributes);
    ec2.delete_security_group().group_id(&internal_id).send().await.unwrap();
    let internal_ref = find(&resources, "AWS.EC2.SecurityGroup", &internal_id).reference();
    assert_eq!(fetch(&acct, &internal_ref).await, None);
    let missing_vpc = reference(&acct, "AWS.EC2.VPC", arn(&acct, "vpc/vpc-0123456789abcdef0"));
    assert_eq!(fetch(&acct, &missing_vpc).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_report_imds_profile_and_volumes() {
    let acct = TestAccount::new().await;
    let ec2 = acct.ec2(REGION);
    let profile = acct.iam().create_instance_profile().instance_profile_name("app").send().await.unwrap();
    let profile_arn = profile.instance_profile().unwrap().arn().to_string();
    let sg = ec2.create_security_group().group_name("app").description("app").send().await.unwrap();
    let sg_id = sg.group_id().unwrap().to_string();

    let launch = |tokens: HttpTokensState| {
        ec2.run_instances()
            .image_id(IMAGE)
            .min_count(1)
            .max_count(1)
            .instance_type(InstanceType::T3Micro)
            .metadata_options(InstanceMetadataOptionsRequest::builder().http_tokens(tokens).build())
    };
    let v2 = launch(HttpTokensState::Required)
        .security_group_ids(&sg_id)
        .iam_instance_profile(IamInstanceProfileSpecification::builder().arn(&profile_arn).build())
        .tag_specifications(name_tag(ResourceType::Instance, "imds-v2"))
        .send()
        .await
        .unwrap();
    let v2 = v2.instances()[0].clone();
    let v2_id = v2.instance_id().unwrap().to_string();
    let v1 = launch(HttpTokensState::Optional).send().await.unwrap();
    let v1_id = v1.instances()[0].instance_id().unwrap().to_string();
    let gone = launch(HttpTokensState::Required).send().await.unwrap();
    let gone_id = gone.instances()[0].instance_id().unwrap().to_string();
    ec2.terminate_instances().instance_ids(&gone_id).send().await.unwrap();

    // What DescribeInstances says, for values the emulator makes up (addresses, volume ids).
    let described = ec2.describe_instances().instance_ids(&v2_id).send().await.unwrap();
    let described = described.reservations()[0].instances()[0].clone();
    let root_volume = described.block_device_mappings()[0].ebs().unwrap().volume_id().unwrap().to_string();
    // moto answers an association id as the profile's Id (AWS gives the profile id); keep its word.
    let profile_id = described.iam_instance_profile().unwrap().id().unwrap().to_string();

    let resources = collect(&acct, REGION).await;
    let i = find(&resources, "AWS.EC2.Instance", &v2_id);
    assert_eq!(i.id.as_str(), arn(&acct, &format!("instance/{v2_id}")));
    assert_eq!(i.name, "imds-v2");
    let launch_time = i.attributes["LaunchTime"].as_str().expect("launch time").to_string();
    assert!(launch_time.ends_with('Z') && launch_time.contains('T'), "{launch_time}");
    assert_eq!(
        i.attributes,
        json!({
            "InstanceId": v2_id, "InstanceType": "t3.micro", "ImageId": IMAGE, "State": "running",
            "LaunchTime": launch_time, "VpcId": described.vpc_id(), "SubnetId": described.subnet_id(),
            "PublicIpAddress": described.public_ip_address(), "PrivateIpAddress": described.private_ip_address(),
            "MetadataOptions": {
                "HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1,
                "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled",
            },
            "IamInstanceProfile": {"Arn": profile_arn, "Id": profile_id},
            "SecurityGroups": [{"GroupId": sg_id, "GroupName": "app"}],
            "BlockDeviceMappings": [
                {"DeviceName": "/dev/sda1", "VolumeId": root_volume, "DeleteOnTermination": true, "Status": "attached"},
            ],
            "VolumeIds": [root_volume],
            "Platform": null,
            "Monitoring": "disabled",
        })
    );
    assert!(i.attributes["VpcId"].is_string() && i.attributes["PrivateIpAddress"].is_string());

    let i1 = find(&resources, "AWS.EC2.Instance", &v1_id);
    assert_eq!(i1.name, v1_id, "no Name tag: the name is the instance id");
    assert_eq!(i1.attributes["MetadataOptions"]["HttpTokens"], json!("optional"));
    assert_eq!(i1.attributes["IamInstanceProfile"], Value::Null);

    // Terminated instances are not resources any more.
    assert!(!resources.iter().any(|r| r.id.as_str().ends_with(&gone_id)));
    let gone_ref = reference(&acct, "AWS.EC2.Instance", arn(&acct, &format!("instance/{gone_id}")));
    assert_eq!(fetch(&acct, &gone_ref).await, None);
    let missing = reference(&acct, "AWS.EC2.Instance", arn(&acct, "instance/i-0123456789abcdef0"));
    assert_eq!(fetch(&acct, &missing).await, None);
    let fetched = fetch(&acct, &i.reference()).await.expect("instance exists");
    assert_eq!(fetched.attributes, i.attributes);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volumes_and_snapshots() {
    let acct = TestAccount::new().await;
    let ec2 = acct.ec2(REGION);
    let encrypted = ec2.create_volume().availability_zone("us-east-1a").size(8).encrypted(true).send().await.unwrap();
    let encrypted_id = encrypted.volume_id().unwrap().to_string();
    let key = encrypted.kms_key_id().expect("an encrypted volume has a key").to_string();
    let plain = ec2
        .create_volume()
        .availability_zone("us-east-1a")
        .size(10)
        .volume_type(VolumeType::Gp3)
        .tag_specifications(name_tag(ResourceType::Volume, "data"))
        .send()
        .await
        .unwrap();
    let plain_id = plain.volume_id().unwrap().to_string();
    let run = ec2.run_instances().image_id(IMAGE).min_count(1).max_count(1).send().await.unwrap();
    let instance_id = run.instances()[0].instance_id().unwrap().to_string();
    ec2.attach_volume().volume_id(&plain_id).instance_id(&instance_id).device("/dev/sdf").send().await.unwrap();

    let public = ec2.create_snapshot().volume_id(&plain_id).description("shared with everyone").send().await.unwrap();
    let public_id = public.snapshot_id().unwrap().to_string();
    ec2.modify_snapshot_attribute()
        .snapshot_id(&public_id)
        .attribute(SnapshotAttributeName::CreateVolumePermission)
        .operation_type(OperationType::Add)
        .group_names("all")
        .send()
        .await
        .unwrap();
    let private = ec2.create_snapshot().volume_id(&encrypted_id).description("private").send().await.unwrap();
    let private_id = private.snapshot_id().unwrap().to_string();

    let resources = collect(&acct, REGION).await;
    let account = acct.account_id.as_str();
    let v = find(&resources, "AWS.EC2.Volume", &encrypted_id);
    assert_eq!(v.id.as_str(), arn(&acct, &format!("volume/{encrypted_id}")));
    assert_eq!(v.name, encrypted_id);
    let created = v.attributes["CreateTime"].as_str().expect("create time").to_string();
    assert_eq!(
        v.attributes,
        json!({
            "VolumeId": encrypted_id, "Size": 8, "VolumeType": "gp2", "Encrypted": true, "KmsKeyId": key,
            "State": "available", "AvailabilityZone": "us-east-1a", "SnapshotId": null, "CreateTime": created,
            "Iops": null, "Attachments": [],
        })
    );
    let v = find(&resources, "AWS.EC2.Volume", &plain_id);
    assert_eq!(v.name, "data");
    let created = v.attributes["CreateTime"].as_str().expect("create time").to_string();
    assert_eq!(
        v.attributes,
        json!({
            "VolumeId": plain_id, "Size": 10, "VolumeType": "gp3", "Encrypted": false, "KmsKeyId": null,
            "State": "in-use", "AvailabilityZone": "us-east-1a", "SnapshotId": null, "CreateTime": created,
            "Iops": 3000,
            // moto leaves DeleteOnTermination out of volume attachments (AWS says false here).
            "Attachments": [{"InstanceId": instance_id, "Device": "/dev/sdf", "State": "attached", "DeleteOnTermination": null}],
        })
    );

    let s = find(&resources, "AWS.EC2.Snapshot", &public_id);
    assert_eq!(s.id.as_str(), arn(&acct, &format!("snapshot/{public_id}")));
    let started = s.attributes["StartTime"].as_str().expect("start time").to_string();
    assert_eq!(
        s.attributes,
        json!({
            "SnapshotId": public_id, "VolumeId": plain_id, "VolumeSize": 10, "Encrypted": false, "KmsKeyId": null,
            "State": "completed", "StartTime": started, "Description": "shared with everyone", "OwnerId": account,
            "CreateVolumePermissions": [{"Group": "all", "UserId": null}],
            "Public": true,
        })
    );
    let s = find(&resources, "AWS.EC2.Snapshot", &private_id);
    let started = s.attributes["StartTime"].as_str().expect("start time").to_string();
    assert_eq!(
        s.attributes,
        json!({
            "SnapshotId": private_id, "VolumeId": encrypted_id, "VolumeSize": 8, "Encrypted": true,
            // moto does not copy the volume's key to its snapshots (AWS does); the unit tests
            // cover a snapshot KmsKeyId.
            "KmsKeyId": null,
            "State": "completed", "StartTime": started, "Description": "private", "OwnerId": account,
            "CreateVolumePermissions": [],
            "Public": false,
        })
    );

    let public_ref = find(&resources, "AWS.EC2.Snapshot", &public_id).reference();
    let fetched = fetch(&acct, &public_ref).await.expect("snapshot exists");
    assert_eq!(fetched.attributes, find(&resources, "AWS.EC2.Snapshot", &public_id).attributes);
    let private_ref = s.reference();
    ec2.delete_snapshot().snapshot_id(&private_id).send().await.unwrap();
    assert_eq!(fetch(&acct, &private_ref).await, None);
    let encrypted_ref = find(&resources, "AWS.EC2.Volume", &encrypted_id).reference();
    assert!(fetch(&acct, &encrypted_ref).await.is_some());
    ec2.delete_volume().volume_id(&encrypted_id).send().await.unwrap();
    assert_eq!(fetch(&acct, &encrypted_ref).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_settings_differ_per_region() {
    let acct = TestAccount::new().await;
    let key = acct.kms(REGION).create_key().description("ebs default").send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_string();
    let ec2 = acct.ec2(REGION);
    ec2.enable_ebs_encryption_by_default().send().await.unwrap();
    ec2.modify_ebs_default_kms_key_id().kms_key_id(&key_arn).send().await.unwrap();

    let east = collect(&acct, REGION).await;
    let settings: Vec<&Resource> = east.iter().filter(|r| r.resource_type == "AWS.Region.EC2").collect();
    assert_eq!(settings.len(), 1);
    let s = settings[0];
    assert_eq!(s.id.as_str(), arn(&acct, "region-settings"));
    assert_eq!(s.name, REGION);
    assert_eq!(s.attributes, json!({"EbsEncryptionByDefault": true, "EbsDefaultKmsKeyId": key_arn}));

    let west = collect(&acct, "us-west-2").await;
    let s = west.iter().find(|r| r.resource_type == "AWS.Region.EC2").expect("us-west-2 settings");
    assert_eq!(s.id.as_str(), format!("arn:aws:ec2:us-west-2:{}:region-settings", acct.account_id));
    assert_eq!(s.name, "us-west-2");
    assert_eq!(s.attributes, json!({"EbsEncryptionByDefault": false, "EbsDefaultKmsKeyId": "alias/aws/ebs"}));

    // A rescan re-reads the settings.
    ec2.disable_ebs_encryption_by_default().send().await.unwrap();
    let fetched = fetch(&acct, &settings[0].reference()).await.expect("region settings always exist");
    assert_eq!(fetched.attributes["EbsEncryptionByDefault"], json!(false));
}

/// One NACL rule: `(rule number, egress, action, protocol, IPv4 or IPv6 CIDR, port range)`.
async fn add_rule(
    ec2: &aws_sdk_ec2::Client,
    acl: &str,
    (number, egress, action, protocol, cidr, ports): (i32, bool, RuleAction, &str, &str, Option<(i32, i32)>),
) {
    let mut entry = ec2
        .create_network_acl_entry()
        .network_acl_id(acl)
        .rule_number(number)
        .egress(egress)
        .rule_action(action)
        .protocol(protocol);
    entry = if cidr.contains(':') { entry.ipv6_cidr_block(cidr) } else { entry.cidr_block(cidr) };
    if let Some((from, to)) = ports {
        entry = entry.port_range(PortRange::builder().from(from).to(to).build());
    }
    entry.send().await.unwrap();
}

/// The rule object the collector reports (no ICMP rules are planted: moto drops IcmpTypeCode).
fn rule(number: i32, egress: bool, action: &str, protocol: &str, cidr: &str, ports: Option<(i32, i32)>) -> Value {
    let (v4, v6) = if cidr.contains(':') { (Value::Null, json!(cidr)) } else { (json!(cidr), Value::Null) };
    json!({
        "RuleNumber": number, "Protocol": protocol, "RuleAction": action, "Egress": egress,
        "CidrBlock": v4, "Ipv6CidrBlock": v6,
        "PortRange": ports.map(|(from, to)| json!({"From": from, "To": to})),
        "IcmpTypeCode": null,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_acls_keep_rule_order_and_subnets() {
    let acct = TestAccount::new().await;
    let ec2 = acct.ec2(REGION);
    let account = acct.account_id.as_str();
    let vpc = ec2.create_vpc().cidr_block("10.30.0.0/16").send().await.unwrap();
    let vpc_id = vpc.vpc().unwrap().vpc_id().unwrap().to_string();
    let subnet = ec2.create_subnet().vpc_id(&vpc_id).cidr_block("10.30.1.0/24").send().await.unwrap();
    let subnet_id = subnet.subnet().unwrap().subnet_id().unwrap().to_string();

    let create = |name: &'static str| {
        ec2.create_network_acl().vpc_id(&vpc_id).tag_specifications(name_tag(ResourceType::NetworkAcl, name)).send()
    };
    // open-ssh: SSH from anywhere is allowed (CIS 5.1 fails).
    let open = create("open-ssh").await.unwrap();
    let open_id = open.network_acl().unwrap().network_acl_id().unwrap().to_string();
    add_rule(&ec2, &open_id, (100, false, RuleAction::Allow, "6", "0.0.0.0/0", Some((22, 22)))).await;
    // deny-ssh: a lower-numbered deny shadows the allow-all after it (CIS 5.1 passes).
    let closed = create("deny-ssh").await.unwrap();
    let closed_id = closed.network_acl().unwrap().network_acl_id().unwrap().to_string();
    add_rule(&ec2, &closed_id, (100, false, RuleAction::Allow, "-1", "0.0.0.0/0", None)).await;
    add_rule(&ec2, &closed_id, (90, false, RuleAction::Deny, "6", "0.0.0.0/0", Some((22, 22)))).await;
    add_rule(&ec2, &closed_id, (95, false, RuleAction::Deny, "6", "::/0", Some((3389, 3389)))).await;
    add_rule(&ec2, &closed_id, (100, true, RuleAction::Allow, "-1", "0.0.0.0/0", None)).await;

    // Move the subnet from the VPC's default ACL to deny-ssh.
    let described = ec2
        .describe_network_acls()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .unwrap();
    let default_acl = described.network_acls().iter().find(|a| a.is_default() == Some(true)).unwrap().clone();
    let default_id = default_acl.network_acl_id().unwrap().to_string();
    let old_association = default_acl
        .associations()
        .iter()
        .find(|a| a.subnet_id() == Some(subnet_id.as_str()))
        .and_then(|a| a.network_acl_association_id())
        .unwrap()
        .to_string();
    let moved = ec2
        .replace_network_acl_association()
        .association_id(&old_association)
        .network_acl_id(&closed_id)
        .send()
        .await
        .unwrap();
    let association = moved.new_association_id().unwrap().to_string();

    let resources = collect(&acct, REGION).await;
    let o = find(&resources, "AWS.EC2.NetworkAcl", &open_id);
    assert_eq!(o.id.as_str(), arn(&acct, &format!("network-acl/{open_id}")));
    assert_eq!(o.name, "open-ssh");
    assert_eq!(o.tags.get("Name").map(String::as_str), Some("open-ssh"));
    // moto adds no catch-all `*` (32767) deny rules to a new ACL; AWS does.
    assert_eq!(
        o.attributes,
        json!({
            "NetworkAclId": open_id, "VpcId": vpc_id, "IsDefault": false, "OwnerId": account,
            "Entries": [rule(100, false, "allow", "6", "0.0.0.0/0", Some((22, 22)))],
            "Associations": [],
        })
    );
    let c = find(&resources, "AWS.EC2.NetworkAcl", &closed_id);
    assert_eq!(c.name, "deny-ssh");
    assert_eq!(
        c.attributes,
        json!({
            "NetworkAclId": closed_id, "VpcId": vpc_id, "IsDefault": false, "OwnerId": account,
            "Entries": [
                rule(90, false, "deny", "6", "0.0.0.0/0", Some((22, 22))),
                rule(95, false, "deny", "6", "::/0", Some((3389, 3389))),
                rule(100, false, "allow", "-1", "0.0.0.0/0", None),
                rule(100, true, "allow", "-1", "0.0.0.0/0", None),
            ],
            "Associations": [{"SubnetId": subnet_id, "NetworkAclAssociationId": association}],
        })
    );
    let d = find(&resources, "AWS.EC2.NetworkAcl", &default_id);
    assert_eq!(d.name, default_id, "no Name tag: the name is the ACL id");
    assert_eq!(d.attributes["IsDefault"], json!(true));
    assert_eq!(
        d.attributes["Entries"],
        json!([
            rule(100, false, "allow", "-1", "0.0.0.0/0", None),
            rule(32767, false, "deny", "-1", "0.0.0.0/0", None),
            rule(100, true, "allow", "-1", "0.0.0.0/0", None),
            rule(32767, true, "deny", "-1", "0.0.0.0/0", None),
        ])
    );
    assert_eq!(d.attributes["Associations"], json!([]), "the subnet moved away");

    let fetched = fetch(&acct, &c.reference()).await.expect("deny-ssh exists");
    assert_eq!(fetched.attributes, c.attributes);
    assert_eq!(fetched.name, "deny-ssh");
    ec2.delete_network_acl().network_acl_id(&open_id).send().await.unwrap();
    assert_eq!(fetch(&acct, &o.reference()).await, None);
    let missing = reference(&acct, "AWS.EC2.NetworkAcl", arn(&acct, "network-acl/acl-0123456789abcdef0"));
    assert_eq!(fetch(&acct, &missing).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_logs_on_one_vpc_and_not_another() {
    let acct = TestAccount::new().await;
    let ec2 = acct.ec2(REGION);
    let create_vpc = |cidr: &'static str| ec2.create_vpc().cidr_block(cidr).send();
    let logged = create_vpc("10.40.0.0/16").await.unwrap().vpc().unwrap().vpc_id().unwrap().to_string();
    let silent = create_vpc("10.41.0.0/16").await.unwrap().vpc().unwrap().vpc_id().unwrap().to_string();
    // The log group exists, so the emulator reports delivery as working.
    let logs = aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(&acct.sdk).region(aws_types::region::Region::new(REGION)).build(),
    );
    logs.create_log_group().log_group_name("vpc-flow").send().await.unwrap();
    let to_logs = ec2
        .create_flow_logs()
        .resource_ids(&logged)
        .resource_type(FlowLogsResourceType::Vpc)
        .traffic_type(TrafficType::All)
        .log_destination_type(LogDestinationType::CloudWatchLogs)
        .log_group_name("vpc-flow")
        .deliver_logs_permission_arn(format!("arn:aws:iam::{}:role/flow-logs", acct.account_id))
        .send()
        .await
        .unwrap();
    let to_logs = to_logs.flow_log_ids()[0].clone();
    let bucket = format!("flow-logs-{}", acct.account_id);
    acct.s3(REGION).create_bucket().bucket(&bucket).send().await.unwrap();
    let to_s3 = ec2
        .create_flow_logs()
        .resource_ids(&logged)
        .resource_type(FlowLogsResourceType::Vpc)
        .traffic_type(TrafficType::Reject)
        .log_destination_type(LogDestinationType::S3)
        .log_destination(format!("arn:aws:s3:::{bucket}"))
        .send()
        .await
        .unwrap();
    let to_s3 = to_s3.flow_log_ids()[0].clone();

    let resources = collect(&acct, REGION).await;
    let v = find(&resources, "AWS.EC2.VPC", &logged);
    let mut expected = vec![
        json!({
            "FlowLogId": to_logs, "FlowLogStatus": "ACTIVE", "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs", "LogDestination": null, "LogGroupName": "vpc-flow",
            "DeliverLogsStatus": "SUCCESS",
        }),
        json!({
            "FlowLogId": to_s3, "FlowLogStatus": "ACTIVE", "TrafficType": "REJECT",
            "LogDestinationType": "s3", "LogDestination": format!("arn:aws:s3:::{bucket}"), "LogGroupName": null,
            "DeliverLogsStatus": "SUCCESS",
        }),
    ];
    expected.sort_by(|a, b| a["FlowLogId"].as_str().cmp(&b["FlowLogId"].as_str()));
    assert_eq!(v.attributes["FlowLogs"], json!(expected));
    let s = find(&resources, "AWS.EC2.VPC", &silent);
    assert_eq!(s.attributes["FlowLogs"], json!([]));

    // Fetch asks for just that VPC's flow logs and sees the same.
    let fetched = fetch(&acct, &v.reference()).await.expect("logged vpc exists");
    assert_eq!(fetched.attributes, v.attributes);
    let fetched = fetch(&acct, &s.reference()).await.expect("silent vpc exists");
    assert_eq!(fetched.attributes["FlowLogs"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_calls_are_the_calls_made() {
    let acct = TestAccount::new().await;
    let ec2 = acct.ec2(REGION);
    let volume = ec2.create_volume().availability_zone("us-east-1a").size(1).send().await.unwrap();
    let volume_id = volume.volume_id().unwrap().to_string();
    ec2.create_snapshot().volume_id(&volume_id).send().await.unwrap();

    let recorder = ActionRecorder::new();
    let opts = ContextOptions {
        source: "test".into(),
        label: "Test".into(),
        recorder: Some(recorder.clone()),
        ..ContextOptions::default()
    };
    let region = Region::new(REGION).unwrap();
    let ctx = AwsContext::new(acct.sdk.clone(), opts).await.unwrap().with_regions(vec![region.clone()]);
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let drain = tokio::spawn(async move {
        let mut resources = Vec::new();
        while let Some(item) = rx.recv().await {
            match item {
                Collected::Resource(r) => resources.push(*r),
                Collected::Error(e) => panic!("unexpected scan error {e:?}"),
            }
        }
        resources
    });
    let out = Emitter::new(tx);
    AwsService::Ec2.collect(&ctx, &region, &out).await.unwrap();
    drop(out);
    let resources = drain.await.unwrap();
    for r in &resources {
        AwsService::Ec2.fetch(&ctx, &r.reference()).await.unwrap();
    }

    let declared: BTreeSet<(String, String)> =
        AwsService::Ec2.spec().calls.iter().map(|c| (c.sdk_service.to_string(), c.operation.to_string())).collect();
    let made: BTreeSet<(String, String)> =
        recorder.calls().into_iter().filter(|(service, _)| service == "EC2").collect();
    assert_eq!(made, declared);
    let types: BTreeSet<&str> = resources.iter().map(|r| r.resource_type.as_str()).collect();
    let declared_types: BTreeSet<&str> = AwsService::Ec2.spec().resource_types.iter().copied().collect();
    // The account holds its default VPC and security group, the planted volume and snapshot, and
    // region settings; no instance was planted here.
    assert_eq!(declared_types.difference(&types).copied().collect::<Vec<_>>(), vec!["AWS.EC2.Instance"]);
}
