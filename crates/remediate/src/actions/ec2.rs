//! EC2 fixes: security group ingress open to the world on the remote administration ports, EBS
//! encryption by default in a region, and IMDSv2 on an instance.

use crate::action::{attr, call, ActionSpec, Effect};
use crate::error::api_error;
use crate::{RemediateError, WriteContext};
use aws_sdk_ec2::types::{
    HttpTokensState, InstanceMetadataEndpointState, InstanceMetadataProtocolState, InstanceMetadataTagsState,
    IpPermission, IpRange, Ipv6Range,
};
use palisade_model::Resource;
use serde_json::{json, Value};

pub(crate) const REVOKE_ADMIN_PORT_INGRESS: ActionSpec = ActionSpec {
    id: "ec2-revoke-admin-port-ingress",
    title: "Close ports 22 and 3389 to 0.0.0.0/0 and ::/0 in a security group, keeping its other rules and ports",
    resource_types: &["AWS.EC2.SecurityGroup"],
    params: &[],
    calls: &[
        call("EC2", "DescribeSecurityGroups", "ec2:DescribeSecurityGroups"),
        call("EC2", "AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress"),
        call("EC2", "RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"),
    ],
};

pub(crate) const EBS_ENCRYPTION_BY_DEFAULT: ActionSpec = ActionSpec {
    id: "ec2-enable-ebs-encryption-by-default",
    title: "Turn on EBS encryption by default in the region",
    resource_types: &["AWS.Region.EC2"],
    params: &[],
    calls: &[
        call("EC2", "GetEbsEncryptionByDefault", "ec2:GetEbsEncryptionByDefault"),
        call("EC2", "EnableEbsEncryptionByDefault", "ec2:EnableEbsEncryptionByDefault"),
    ],
};

pub(crate) const REQUIRE_IMDSV2: ActionSpec = ActionSpec {
    id: "ec2-require-imdsv2",
    title: "Require IMDSv2 (session tokens) for the instance's metadata service",
    resource_types: &["AWS.EC2.Instance"],
    params: &[],
    calls: &[
        call("EC2", "DescribeInstances", "ec2:DescribeInstances"),
        call("EC2", "ModifyInstanceMetadataOptions", "ec2:ModifyInstanceMetadataOptions"),
    ],
};

/// SSH and RDP: the only ports this action closes, whatever `admin_ports` a scan used.
const ADMIN_PORTS: [i64; 2] = [22, 3389];
const WORLD_IPV4: &str = "0.0.0.0/0";
const WORLD_IPV6: &str = "::/0";
const HIGHEST_PORT: i64 = 65535;

// ---- security group ingress ----

/// One world-open source of one rule that reaches an admin port: it is revoked, and the rule's
/// other ports are allowed again from the same source.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WorldRule {
    /// As the API gave it (`tcp`, `6`, `udp`, `17`).
    protocol: String,
    from: i64,
    to: i64,
    cidr: &'static str,
    description: Option<String>,
    /// The rule's port ranges without the admin ports, allowed again before the rule is revoked.
    keep: Vec<(i64, i64)>,
}

impl WorldRule {
    fn text(&self) -> String {
        format!("{} {}-{} from {}", self.protocol, self.from, self.to, self.cidr)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    All,
    TcpOrUdp,
    Other,
}

fn protocol(p: &str) -> Protocol {
    match p.to_ascii_lowercase().as_str() {
        "-1" | "all" => Protocol::All,
        "tcp" | "6" | "udp" | "17" => Protocol::TcpOrUdp,
        _ => Protocol::Other,
    }
}

/// `from..=to` without the admin ports, as ranges.
fn ranges_without_admin_ports(from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut start = from;
    for port in ADMIN_PORTS.into_iter().filter(|p| (from..=to).contains(p)) {
        if start < port {
            out.push((start, port - 1));
        }
        start = port + 1;
    }
    if start <= to {
        out.push((start, to));
    }
    out
}

fn ranges_text(ranges: &[(i64, i64)]) -> String {
    ranges.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(", ")
}

/// The world-open sources reaching an admin port, what is left alone, and the planned rules.
fn decide_revoke_admin_port_ingress(permissions: &Value) -> (Effect, Vec<WorldRule>) {
    let rules = permissions.as_array().cloned().unwrap_or_default();
    let mut fixes = Vec::new();
    let mut left_alone = Vec::new();
    let mut after_rules = Vec::new();
    for rule in &rules {
        let proto = rule.get("IpProtocol").and_then(Value::as_str).unwrap_or_default();
        let (from, to) = (rule.get("FromPort").and_then(Value::as_i64), rule.get("ToPort").and_then(Value::as_i64));
        let mut kept = rule.clone();
        for (list, key, world) in [("IpRanges", "CidrIp", WORLD_IPV4), ("Ipv6Ranges", "CidrIpv6", WORLD_IPV6)] {
            let Some(sources) = rule.get(list).and_then(Value::as_array) else { continue };
            let mut remaining = Vec::new();
            for source in sources {
                if source.get(key).and_then(Value::as_str) != Some(world) {
                    remaining.push(source.clone());
                    continue;
                }
                match (protocol(proto), from, to) {
                    (Protocol::All, _, _) => {
                        left_alone.push(format!(
                            "all traffic from {world} (protocol -1): removing it would close every port and protocol, \
                             not only 22 and 3389; narrow or remove it by hand"
                        ));
                        remaining.push(source.clone());
                    }
                    (Protocol::TcpOrUdp, Some(from), Some(to))
                        if ADMIN_PORTS.iter().any(|p| (from..=to).contains(p)) =>
                    {
                        fixes.push(WorldRule {
                            protocol: proto.to_string(),
                            from,
                            to,
                            cidr: world,
                            description: source.get("Description").and_then(Value::as_str).map(str::to_string),
                            keep: ranges_without_admin_ports(from, to.min(HIGHEST_PORT)),
                        });
                    }
                    _ => remaining.push(source.clone()),
                }
            }
            kept[list] = Value::Array(remaining);
        }
        let has_source = ["IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"]
            .iter()
            .any(|k| kept.get(*k).and_then(Value::as_array).is_some_and(|a| !a.is_empty()));
        if has_source {
            after_rules.push(kept);
        }
    }
    let mut changes = Vec::new();
    for fix in &fixes {
        changes.push(format!("revoke {}", fix.text()));
        if !fix.keep.is_empty() {
            changes.push(format!(
                "allow {} {} from {} again (the rule's other ports)",
                fix.protocol,
                ranges_text(&fix.keep),
                fix.cidr
            ));
        }
        for (a, b) in &fix.keep {
            let (v4, v6) = if fix.cidr == WORLD_IPV4 {
                (json!([{"CidrIp": fix.cidr, "Description": fix.description}]), json!([]))
            } else {
                (json!([]), json!([{"CidrIpv6": fix.cidr, "Description": fix.description}]))
            };
            after_rules.push(json!({
                "IpProtocol": fix.protocol, "FromPort": a, "ToPort": b, "IpRanges": v4, "Ipv6Ranges": v6,
                "PrefixListIds": [], "UserIdGroupPairs": [],
            }));
        }
    }
    left_alone.dedup();
    let effect = Effect {
        before: json!({ "IpPermissions": permissions }),
        after: json!({ "IpPermissions": after_rules }),
        changes,
        left_alone,
    };
    (effect, fixes)
}

pub(crate) fn plan_revoke_admin_port_ingress(resource: &Resource) -> Effect {
    decide_revoke_admin_port_ingress(resource.attributes.get("IpPermissions").unwrap_or(&Value::Null)).0
}

pub(crate) async fn apply_revoke_admin_port_ingress(
    ctx: &WriteContext,
    resource: &Resource,
) -> Result<Effect, RemediateError> {
    let group = attr(resource, "GroupId")?;
    let ec2 = ctx.ec2(&resource.region);
    let target = format!("security group {group}");
    let before = read_ingress(&ec2, group).await?;
    let (mut effect, fixes) = decide_revoke_admin_port_ingress(&before);
    for fix in &fixes {
        // The other ports first, so nothing else is closed even for a moment.
        for (from, to) in &fix.keep {
            let result = ec2
                .authorize_security_group_ingress()
                .group_id(group)
                .ip_permissions(permission(fix, *from, *to, true))
                .send()
                .await
                .map_err(|e| api_error("ec2", "AuthorizeSecurityGroupIngress", target.clone(), e));
            match result {
                Ok(_) => {}
                // Already allowed by an identical rule: nothing to add.
                Err(e) if e.code() == Some("InvalidPermission.Duplicate") => {}
                Err(e) => return Err(e),
            }
        }
        let result = ec2
            .revoke_security_group_ingress()
            .group_id(group)
            .ip_permissions(permission(fix, fix.from, fix.to, false))
            .send()
            .await
            .map_err(|e| api_error("ec2", "RevokeSecurityGroupIngress", target.clone(), e));
        match result {
            Ok(_) => {}
            // Removed since it was read: what this action wanted.
            Err(e) if e.code() == Some("InvalidPermission.NotFound") => {}
            Err(e) => return Err(e),
        }
    }
    effect.after = json!({ "IpPermissions": read_ingress(&ec2, group).await? });
    Ok(effect)
}

fn permission(fix: &WorldRule, from: i64, to: i64, with_description: bool) -> IpPermission {
    let description = if with_description { fix.description.clone() } else { None };
    let b = IpPermission::builder().ip_protocol(&fix.protocol).from_port(from as i32).to_port(to as i32);
    if fix.cidr == WORLD_IPV4 {
        b.ip_ranges(IpRange::builder().cidr_ip(fix.cidr).set_description(description).build()).build()
    } else {
        b.ipv6_ranges(Ipv6Range::builder().cidr_ipv6(fix.cidr).set_description(description).build()).build()
    }
}

/// The group's inbound rules in the attributes' shape.
async fn read_ingress(ec2: &aws_sdk_ec2::Client, group: &str) -> Result<Value, RemediateError> {
    let out = ec2
        .describe_security_groups()
        .group_ids(group)
        .send()
        .await
        .map_err(|e| api_error("ec2", "DescribeSecurityGroups", format!("security group {group}"), e))?;
    let Some(sg) = out.security_groups().first() else {
        return Err(RemediateError::Api {
            service: "ec2",
            operation: "DescribeSecurityGroups",
            target: format!("security group {group}"),
            code: Some("InvalidGroup.NotFound".into()),
            message: "the security group no longer exists".into(),
        });
    };
    let rules: Vec<Value> = sg
        .ip_permissions()
        .iter()
        .map(|p| {
            json!({
                "IpProtocol": p.ip_protocol(),
                "FromPort": p.from_port(),
                "ToPort": p.to_port(),
                "IpRanges": p.ip_ranges().iter().map(|r| json!({"CidrIp": r.cidr_ip(), "Description": r.description()})).collect::<Vec<_>>(),
                "Ipv6Ranges": p.ipv6_ranges().iter().map(|r| json!({"CidrIpv6": r.cidr_ipv6(), "Description": r.description()})).collect::<Vec<_>>(),
                "PrefixListIds": p.prefix_list_ids().iter().map(|r| json!({"PrefixListId": r.prefix_list_id(), "Description": r.description()})).collect::<Vec<_>>(),
                "UserIdGroupPairs": p.user_id_group_pairs().iter().map(|g| json!({"GroupId": g.group_id(), "UserId": g.user_id(), "VpcId": g.vpc_id(), "Description": g.description()})).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Value::Array(rules))
}

// ---- EBS encryption by default ----

fn decide_ebs_encryption_by_default(enabled: Option<bool>, region: &str) -> Effect {
    let before = json!({ "EbsEncryptionByDefault": enabled });
    if enabled == Some(true) {
        return Effect { after: before.clone(), before, changes: Vec::new(), left_alone: Vec::new() };
    }
    Effect {
        before,
        after: json!({ "EbsEncryptionByDefault": true }),
        changes: vec![format!("turn on EBS encryption by default in {region} (new volumes only)")],
        left_alone: Vec::new(),
    }
}

pub(crate) fn plan_ebs_encryption_by_default(resource: &Resource) -> Effect {
    let enabled = resource.attributes.get("EbsEncryptionByDefault").and_then(Value::as_bool);
    decide_ebs_encryption_by_default(enabled, resource.region.as_str())
}

pub(crate) async fn apply_ebs_encryption_by_default(
    ctx: &WriteContext,
    resource: &Resource,
) -> Result<Effect, RemediateError> {
    let region = resource.region.as_str();
    let ec2 = ctx.ec2(&resource.region);
    let read = || async {
        ec2.get_ebs_encryption_by_default()
            .send()
            .await
            .map(|o| o.ebs_encryption_by_default())
            .map_err(|e| api_error("ec2", "GetEbsEncryptionByDefault", format!("region {region}"), e))
    };
    let mut effect = decide_ebs_encryption_by_default(read().await?, region);
    if effect.changed() {
        ec2.enable_ebs_encryption_by_default()
            .send()
            .await
            .map_err(|e| api_error("ec2", "EnableEbsEncryptionByDefault", format!("region {region}"), e))?;
    }
    effect.after = json!({ "EbsEncryptionByDefault": read().await? });
    Ok(effect)
}

// ---- IMDSv2 ----

/// Instances the policy does not judge, and which cannot be changed anyway.
const ENDED_STATES: [&str; 2] = ["shutting-down", "terminated"];

fn decide_require_imdsv2(options: &Value, state: Option<&str>) -> Effect {
    let before = json!({ "MetadataOptions": options, "State": state });
    let unchanged = |left_alone: Vec<String>| Effect {
        after: before.clone(),
        before: before.clone(),
        changes: Vec::new(),
        left_alone,
    };
    if let Some(s) = state.filter(|s| ENDED_STATES.contains(s)) {
        return unchanged(vec![format!("the instance is {s}")]);
    }
    let tokens = options.get("HttpTokens").and_then(Value::as_str);
    let endpoint = options.get("HttpEndpoint").and_then(Value::as_str);
    if tokens == Some("required") || endpoint == Some("disabled") {
        return unchanged(Vec::new());
    }
    let mut after = if options.is_object() { options.clone() } else { json!({}) };
    after["HttpTokens"] = json!("required");
    after["HttpEndpoint"] = json!("enabled");
    Effect {
        before: before.clone(),
        after: json!({ "MetadataOptions": after, "State": state }),
        changes: vec![format!(
            "require IMDSv2: HttpTokens {} -> required (IMDSv1 calls from the instance will fail)",
            tokens.unwrap_or("unset")
        )],
        left_alone: Vec::new(),
    }
}

pub(crate) fn plan_require_imdsv2(resource: &Resource) -> Effect {
    let options = resource.attributes.get("MetadataOptions").unwrap_or(&Value::Null);
    decide_require_imdsv2(options, resource.attributes.get("State").and_then(Value::as_str))
}

pub(crate) async fn apply_require_imdsv2(ctx: &WriteContext, resource: &Resource) -> Result<Effect, RemediateError> {
    let instance = attr(resource, "InstanceId")?;
    let ec2 = ctx.ec2(&resource.region);
    let (options, state) = read_metadata_options(&ec2, instance).await?;
    let mut effect = decide_require_imdsv2(&options, state.as_deref());
    if effect.changed() {
        // Settings not given may be reset by some implementations, so the current ones are sent
        // back as they are; only the tokens (and an unset endpoint) change.
        let text = |k: &str| options.get(k).and_then(Value::as_str).map(str::to_string);
        ec2.modify_instance_metadata_options()
            .instance_id(instance)
            .http_tokens(HttpTokensState::Required)
            .http_endpoint(InstanceMetadataEndpointState::Enabled)
            .set_http_put_response_hop_limit(
                options.get("HttpPutResponseHopLimit").and_then(Value::as_i64).map(|n| n as i32),
            )
            .set_http_protocol_ipv6(text("HttpProtocolIpv6").map(|s| InstanceMetadataProtocolState::from(s.as_str())))
            .set_instance_metadata_tags(
                text("InstanceMetadataTags").map(|s| InstanceMetadataTagsState::from(s.as_str())),
            )
            .send()
            .await
            .map_err(|e| api_error("ec2", "ModifyInstanceMetadataOptions", format!("instance {instance}"), e))?;
    }
    let (options, state) = read_metadata_options(&ec2, instance).await?;
    effect.after = json!({ "MetadataOptions": options, "State": state });
    Ok(effect)
}

/// The instance's metadata options in the attributes' shape, and its state name.
async fn read_metadata_options(
    ec2: &aws_sdk_ec2::Client,
    instance: &str,
) -> Result<(Value, Option<String>), RemediateError> {
    let out = ec2
        .describe_instances()
        .instance_ids(instance)
        .send()
        .await
        .map_err(|e| api_error("ec2", "DescribeInstances", format!("instance {instance}"), e))?;
    let Some(i) = out.reservations().iter().flat_map(|r| r.instances()).next() else {
        return Err(RemediateError::Api {
            service: "ec2",
            operation: "DescribeInstances",
            target: format!("instance {instance}"),
            code: Some("InvalidInstanceID.NotFound".into()),
            message: "the instance no longer exists".into(),
        });
    };
    let options = i
        .metadata_options()
        .map(|m| {
            json!({
                "HttpTokens": m.http_tokens().map(|v| v.as_str()),
                "HttpEndpoint": m.http_endpoint().map(|v| v.as_str()),
                "HttpPutResponseHopLimit": m.http_put_response_hop_limit(),
                "HttpProtocolIpv6": m.http_protocol_ipv6().map(|v| v.as_str()),
                "InstanceMetadataTags": m.instance_metadata_tags().map(|v| v.as_str()),
            })
        })
        .unwrap_or(Value::Null);
    let state = i.state().and_then(|s| s.name()).map(|n| n.as_str().to_string());
    Ok((options, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: Option<i64>, to: Option<i64>, v4: &[&str], v6: &[&str]) -> Value {
        json!({
            "IpProtocol": protocol, "FromPort": from, "ToPort": to,
            "IpRanges": v4.iter().map(|c| json!({"CidrIp": c, "Description": "d"})).collect::<Vec<_>>(),
            "Ipv6Ranges": v6.iter().map(|c| json!({"CidrIpv6": c, "Description": null})).collect::<Vec<_>>(),
            "PrefixListIds": [], "UserIdGroupPairs": [],
        })
    }

    #[test]
    fn splits_ranges_around_the_admin_ports() {
        assert_eq!(ranges_without_admin_ports(0, 65535), vec![(0, 21), (23, 3388), (3390, 65535)]);
        assert_eq!(ranges_without_admin_ports(22, 22), vec![]);
        assert_eq!(ranges_without_admin_ports(20, 25), vec![(20, 21), (23, 25)]);
        assert_eq!(ranges_without_admin_ports(3389, 3390), vec![(3390, 3390)]);
        assert_eq!(ranges_without_admin_ports(80, 443), vec![(80, 443)]);
    }

    #[test]
    fn revokes_only_world_sources_on_admin_ports_and_keeps_the_rest() {
        let perms = json!([
            rule("tcp", Some(22), Some(22), &["0.0.0.0/0", "10.0.0.0/8"], &["::/0"]),
            rule("tcp", Some(443), Some(443), &["0.0.0.0/0"], &[]),
            rule("6", Some(0), Some(65535), &["0.0.0.0/0"], &[]),
            rule("udp", Some(3389), Some(3389), &["192.168.0.0/16"], &[]),
        ]);
        let (effect, fixes) = decide_revoke_admin_port_ingress(&perms);
        assert_eq!(
            fixes.iter().map(|f| (f.text(), f.keep.clone())).collect::<Vec<_>>(),
            vec![
                ("tcp 22-22 from 0.0.0.0/0".to_string(), vec![]),
                ("tcp 22-22 from ::/0".to_string(), vec![]),
                ("6 0-65535 from 0.0.0.0/0".to_string(), vec![(0, 21), (23, 3388), (3390, 65535)]),
            ]
        );
        assert!(effect.left_alone.is_empty());
        let after = effect.after["IpPermissions"].as_array().unwrap();
        // The SSH rule keeps its private source, 443 and the private RDP rule are untouched, the
        // wide rule is gone and its three remaining ranges are back with its description.
        assert_eq!(after[0]["IpRanges"], json!([{"CidrIp": "10.0.0.0/8", "Description": "d"}]));
        assert_eq!(after[0]["Ipv6Ranges"], json!([]));
        assert_eq!(after[1], perms[1]);
        assert_eq!(after[2], perms[3]);
        assert_eq!(after.len(), 6);
        assert_eq!(after[3]["IpRanges"][0]["Description"], "d");
        // What the plan says, then: nothing world-open on 22 or 3389 is left.
        let (again, more) = decide_revoke_admin_port_ingress(&effect.after["IpPermissions"]);
        assert!(more.is_empty() && !again.changed());
    }

    #[test]
    fn leaves_all_traffic_rules_alone_and_says_so() {
        let perms = json!([rule("-1", None, None, &["0.0.0.0/0"], &[])]);
        let (effect, fixes) = decide_revoke_admin_port_ingress(&perms);
        assert!(fixes.is_empty() && !effect.changed());
        assert_eq!(effect.left_alone.len(), 1);
        assert!(effect.left_alone[0].contains("all traffic from 0.0.0.0/0"), "{:?}", effect.left_alone);
    }

    #[test]
    fn ebs_default_encryption_turns_on_once() {
        assert!(decide_ebs_encryption_by_default(Some(false), "eu-west-1").changed());
        assert!(decide_ebs_encryption_by_default(None, "eu-west-1").changed());
        assert!(!decide_ebs_encryption_by_default(Some(true), "eu-west-1").changed());
    }

    #[test]
    fn imdsv2_is_required_unless_already_or_not_applicable() {
        let optional = json!({"HttpTokens": "optional", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 2});
        let e = decide_require_imdsv2(&optional, Some("running"));
        assert!(e.changed());
        assert_eq!(e.after["MetadataOptions"]["HttpTokens"], "required");
        assert_eq!(e.after["MetadataOptions"]["HttpPutResponseHopLimit"], 2);
        assert!(!decide_require_imdsv2(&e.after["MetadataOptions"], Some("running")).changed());
        let disabled = json!({"HttpTokens": "optional", "HttpEndpoint": "disabled"});
        assert!(!decide_require_imdsv2(&disabled, Some("stopped")).changed());
        let ended = decide_require_imdsv2(&optional, Some("shutting-down"));
        assert!(!ended.changed() && ended.left_alone.len() == 1);
        assert!(decide_require_imdsv2(&Value::Null, Some("running")).changed());
    }
}
