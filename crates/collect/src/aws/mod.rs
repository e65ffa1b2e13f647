//! AWS collectors, one file per service, registered in [`AwsService`].

mod accessanalyzer;
mod account;
pub mod actions;
mod arn;
mod cloudtrail;
mod config;
mod context;
mod convert;
mod ec2;
mod efs;
mod error;
pub mod events;
mod filter_pattern;
mod iam;
pub use iam::password_policy_attributes;
mod kms;
mod monitoring;
mod organizations;
pub mod queue;
mod rds;
mod s3;
mod securityhub;

pub use actions::{ActionRecorder, ApiCall};
pub use context::{AwsConnector, AwsContext, ContextOptions};
pub use organizations::discover;

use crate::{CollectError, Emitter};
use actions::call;
use error::api_error;
use palisade_model::{Region, Resource, ResourceRef};

/// Where a service's resources live and how its listing is scoped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Listed per region; resources carry that region.
    Regional,
    /// Listed once; resources carry region `global` (IAM).
    Global,
    /// Listed once for the account, but each resource lives in a region (S3 buckets).
    GlobalListingRegionalResources,
}

/// What a collector declares about itself.
#[derive(Debug)]
pub struct ServiceSpec {
    pub name: &'static str,
    pub scope: Scope,
    pub resource_types: &'static [&'static str],
    pub calls: &'static [ApiCall],
}

/// Every AWS service Palisade collects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AwsService {
    S3,
    Ec2,
    Iam,
    Kms,
    CloudTrail,
    Rds,
    Efs,
    Config,
    SecurityHub,
    AccessAnalyzer,
    Monitoring,
    Account,
    Organizations,
}

/// Calls made outside any one collector: identity and region discovery.
pub const CORE_CALLS: &[ApiCall] =
    &[call("STS", "GetCallerIdentity", "sts:GetCallerIdentity"), call("EC2", "DescribeRegions", "ec2:DescribeRegions")];

impl AwsService {
    pub const ALL: [AwsService; 13] = [
        Self::S3,
        Self::Ec2,
        Self::Iam,
        Self::Kms,
        Self::CloudTrail,
        Self::Rds,
        Self::Efs,
        Self::Config,
        Self::SecurityHub,
        Self::AccessAnalyzer,
        Self::Monitoring,
        Self::Account,
        Self::Organizations,
    ];

    pub fn spec(self) -> &'static ServiceSpec {
        match self {
            Self::S3 => &s3::SPEC,
            Self::Ec2 => &ec2::SPEC,
            Self::Iam => &iam::SPEC,
            Self::Kms => &kms::SPEC,
            Self::CloudTrail => &cloudtrail::SPEC,
            Self::Rds => &rds::SPEC,
            Self::Efs => &efs::SPEC,
            Self::Config => &config::SPEC,
            Self::SecurityHub => &securityhub::SPEC,
            Self::AccessAnalyzer => &accessanalyzer::SPEC,
            Self::Monitoring => &monitoring::SPEC,
            Self::Account => &account::SPEC,
            Self::Organizations => &organizations::SPEC,
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(name))
    }

    /// The service whose collector yields `resource_type`.
    pub fn for_type(resource_type: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.spec().resource_types.contains(&resource_type))
    }

    /// Lists this service's resources in `region` (ignored for global scopes) into `out`.
    /// Per-item failures go to `out` as errors; an `Err` means the listing itself failed.
    pub async fn collect(self, ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
        match self {
            Self::S3 => s3::collect(ctx, out).await,
            Self::Ec2 => ec2::collect(ctx, region, out).await,
            Self::Iam => iam::collect(ctx, out).await,
            Self::Kms => kms::collect(ctx, region, out).await,
            Self::CloudTrail => cloudtrail::collect(ctx, region, out).await,
            Self::Rds => rds::collect(ctx, region, out).await,
            Self::Efs => efs::collect(ctx, region, out).await,
            Self::Config => config::collect(ctx, region, out).await,
            Self::SecurityHub => securityhub::collect(ctx, region, out).await,
            Self::AccessAnalyzer => accessanalyzer::collect(ctx, region, out).await,
            Self::Monitoring => monitoring::collect(ctx, out).await,
            Self::Account => account::collect(ctx, out).await,
            Self::Organizations => organizations::collect(ctx, out).await,
        }
    }

    /// Fetches one resource by reference; `Ok(None)` when it no longer exists.
    pub async fn fetch(self, ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
        match self {
            Self::S3 => s3::fetch(ctx, reference).await,
            Self::Ec2 => ec2::fetch(ctx, reference).await,
            Self::Iam => iam::fetch(ctx, reference).await,
            Self::Kms => kms::fetch(ctx, reference).await,
            Self::CloudTrail => cloudtrail::fetch(ctx, reference).await,
            Self::Rds => rds::fetch(ctx, reference).await,
            Self::Efs => efs::fetch(ctx, reference).await,
            Self::Config => config::fetch(ctx, reference).await,
            Self::SecurityHub => securityhub::fetch(ctx, reference).await,
            Self::AccessAnalyzer => accessanalyzer::fetch(ctx, reference).await,
            Self::Monitoring => monitoring::fetch(ctx, reference).await,
            Self::Account => account::fetch(ctx, reference).await,
            Self::Organizations => organizations::fetch(ctx, reference).await,
        }
    }
}

/// Calls Palisade makes with its own credentials (in its own account) to reach sources; they
/// belong in the policy of Palisade's own identity, not in the role a source grants. The SQS
/// calls are the real-time consumer's ([`queue::EventQueue`]).
pub const PALISADE_ACCOUNT_CALLS: &[ApiCall] = &[
    call("STS", "AssumeRole", "sts:AssumeRole"),
    call("SQS", "ReceiveMessage", "sqs:ReceiveMessage"),
    call("SQS", "DeleteMessage", "sqs:DeleteMessage"),
    call("SQS", "ChangeMessageVisibility", "sqs:ChangeMessageVisibility"),
];

/// Every call any collector may make, core calls included.
pub fn all_calls() -> impl Iterator<Item = &'static ApiCall> {
    CORE_CALLS.iter().chain(AwsService::ALL.into_iter().flat_map(|s| s.spec().calls.iter()))
}

/// The regions enabled for the account (ec2:DescribeRegions without opt-in-not-required ones
/// that are not opted in).
pub async fn enabled_regions(ctx: &AwsContext) -> Result<Vec<Region>, CollectError> {
    let region = ctx.default_region();
    let out = ctx
        .ec2(&region)
        .describe_regions()
        .send()
        .await
        .map_err(|e| api_error("ec2", region.as_str(), "DescribeRegions", e))?;
    let mut regions: Vec<Region> = out
        .regions()
        .iter()
        .filter(|r| r.opt_in_status().is_none_or(|s| s != "not-opted-in"))
        .filter_map(|r| r.region_name().and_then(|n| Region::new(n).ok()))
        .collect();
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// The engine runs each collector on its own tokio task, so every collector's future must be
/// `Send` for any lifetime. This compiles only if that holds.
#[allow(dead_code)]
fn collectors_are_spawnable(ctx: std::sync::Arc<AwsContext>, region: Region, out: std::sync::Arc<Emitter>) {
    for service in AwsService::ALL {
        let (task_ctx, region, out) = (ctx.clone(), region.clone(), out.clone());
        // COLLECTOR AUTHORS: "implementation of FnOnce is not general enough" here means a closure
        // in your collector borrows an item (`|item: &T| async move {..}`) inside a stream
        // combinator such as buffer_unordered. Map over owned items instead (into_iter, clone).
        tokio::spawn(async move { service.collect(&task_ctx, &region, &out).await });
        let reference_ctx = ctx.clone();
        tokio::spawn(async move {
            let r = palisade_model::ResourceRef {
                resource_type: String::new(),
                account_id: reference_ctx.account_id().clone(),
                region: Region::global(),
                id: palisade_model::ResourceId::new("x").expect("valid id"),
            };
            service.fetch(&reference_ctx, &r).await
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_resource_type_belongs_to_one_service() {
        let mut seen = BTreeSet::new();
        for s in AwsService::ALL {
            for t in s.spec().resource_types {
                assert!(seen.insert(*t), "{t} is declared by two collectors");
                assert!(t.starts_with("AWS."), "{t}");
            }
        }
    }

    #[test]
    fn every_call_names_a_read_only_action() {
        const WRITE_PREFIXES: &[&str] = &[
            "Create",
            "Delete",
            "Put",
            "Update",
            "Modify",
            "Attach",
            "Detach",
            "Set",
            "Enable",
            "Disable",
            "Revoke",
            "Authorize",
        ];
        for c in all_calls() {
            let (prefix, action) = c.iam_action.split_once(':').expect("service:Action");
            assert!(!prefix.is_empty() && !action.is_empty(), "{c:?}");
            // GenerateCredentialReport is the one non-Get/List/Describe call; it is read-only
            // in effect (it only prepares the report) and is part of AWS's SecurityAudit policy.
            assert!(
                !WRITE_PREFIXES.iter().any(|w| action.starts_with(w)),
                "{} looks like a write action",
                c.iam_action
            );
        }
    }
}
