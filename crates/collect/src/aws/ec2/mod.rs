//! EC2 collector: security groups, instances, EBS volumes and snapshots, VPCs with their flow
//! logs, network ACLs, and each region's EBS encryption-by-default settings. One file per kind
//! of resource; `service` holds the spec and dispatches listing and fetching to them.

mod ebs;
mod instances;
mod naming;
mod network_acls;
mod security_groups;
mod service;
mod vpcs;

pub(crate) use service::{collect, fetch, SPEC};
