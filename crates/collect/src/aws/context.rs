//! Everything a collector needs to call one AWS account: SDK configuration, the account's
//! identity, its source name and label, and the clients built from them.

use super::actions::ActionRecorder;
use super::error::api_error;
use crate::CollectError;
use aws_config::{BehaviorVersion, SdkConfig};
use palisade_model::{AccountId, Region, Resource, ResourceId};
use std::collections::BTreeMap;

/// Who is being scanned and how: built once per account scan, shared by all its collectors.
#[derive(Clone)]
pub struct AwsContext {
    sdk: SdkConfig,
    account_id: AccountId,
    source: String,
    label: String,
    regions: Vec<Region>,
    item_concurrency: usize,
    recorder: Option<ActionRecorder>,
    force_path_style: bool,
}

/// Settings that come from the user rather than from the credential chain.
#[derive(Clone, Debug)]
pub struct ContextOptions {
    pub source: String,
    pub label: String,
    /// Concurrent per-item calls inside one collector (e.g. buckets described at once).
    pub item_concurrency: usize,
    pub recorder: Option<ActionRecorder>,
}

impl Default for ContextOptions {
    fn default() -> Self {
        Self { source: "default".into(), label: String::new(), item_concurrency: 8, recorder: None }
    }
}

impl AwsContext {
    /// Loads the standard credential chain (environment, profile, SSO, session token; honours
    /// `AWS_PROFILE`, `AWS_REGION` and `AWS_ENDPOINT_URL`) and asks STS who we are.
    pub async fn from_environment(opts: ContextOptions) -> Result<Self, CollectError> {
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self::new(sdk, opts).await
    }

    /// Uses the given SDK configuration (for example one carrying assumed-role credentials).
    pub async fn new(mut sdk: SdkConfig, opts: ContextOptions) -> Result<Self, CollectError> {
        if sdk.region().is_none() {
            // Global services still need a signing region; us-east-1 is where they live.
            sdk = sdk.into_builder().region(aws_types::region::Region::from_static("us-east-1")).build();
        }
        if sdk.credentials_provider().is_none() {
            return Err(CollectError::Config(
                "no AWS credentials found (set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `palisade demo`)".into(),
            ));
        }
        // An endpoint override means an emulator or proxy, which cannot serve virtual-hosted S3.
        let force_path_style = sdk.endpoint_url().is_some();
        let mut ctx = Self {
            sdk,
            account_id: AccountId::new("000000000000").expect("valid placeholder"),
            source: opts.source,
            label: opts.label,
            regions: Vec::new(),
            item_concurrency: opts.item_concurrency.max(1),
            recorder: opts.recorder,
            force_path_style,
        };
        let region = ctx.default_region();
        let who = ctx
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| api_error("sts", region.as_str(), "GetCallerIdentity", e))?;
        let account = who.account().unwrap_or_default();
        ctx.account_id = AccountId::new(account)
            .map_err(|e| CollectError::Config(format!("sts:GetCallerIdentity returned an unusable account: {e}")))?;
        Ok(ctx)
    }

    /// The regions this scan covers; collectors of global listings (S3) keep only these.
    pub fn with_regions(mut self, regions: Vec<Region>) -> Self {
        self.regions = regions;
        self
    }

    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }
    pub fn source(&self) -> &str {
        &self.source
    }
    pub fn label(&self) -> &str {
        &self.label
    }
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
    pub(crate) fn item_concurrency(&self) -> usize {
        self.item_concurrency
    }

    /// The configured region, used for global services and region discovery.
    pub fn default_region(&self) -> Region {
        self.sdk
            .region()
            .and_then(|r| Region::new(r.as_ref()).ok())
            .unwrap_or_else(|| Region::new("us-east-1").expect("valid region"))
    }

    pub(crate) fn covers_region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r.as_str() == region)
    }

    /// Builds a resource stamped with this account's identity, source and label.
    pub(crate) fn resource(
        &self,
        resource_type: &str,
        id: String,
        region: &Region,
        name: String,
        tags: BTreeMap<String, String>,
        attributes: serde_json::Value,
    ) -> Result<Resource, CollectError> {
        let id = ResourceId::new(id).map_err(|e| CollectError::Config(e.to_string()))?;
        Ok(Resource {
            id,
            resource_type: resource_type.to_string(),
            source: self.source.clone(),
            account_id: self.account_id.clone(),
            region: region.clone(),
            label: self.label.clone(),
            name,
            tags,
            attributes,
            collected_at: chrono::Utc::now(),
        })
    }

    fn sdk_region(region: &Region) -> aws_types::region::Region {
        aws_types::region::Region::new(region.as_str().to_string())
    }

    pub(crate) fn sts(&self) -> aws_sdk_sts::Client {
        let mut b = aws_sdk_sts::config::Builder::from(&self.sdk);
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_sts::Client::from_conf(b.build())
    }

    pub(crate) fn ec2(&self, region: &Region) -> aws_sdk_ec2::Client {
        let mut b = aws_sdk_ec2::config::Builder::from(&self.sdk).region(Self::sdk_region(region));
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_ec2::Client::from_conf(b.build())
    }

    pub(crate) fn s3(&self, region: &Region) -> aws_sdk_s3::Client {
        let mut b = aws_sdk_s3::config::Builder::from(&self.sdk)
            .region(Self::sdk_region(region))
            .force_path_style(self.force_path_style);
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_s3::Client::from_conf(b.build())
    }

    pub(crate) fn s3control(&self) -> aws_sdk_s3control::Client {
        let mut b =
            aws_sdk_s3control::config::Builder::from(&self.sdk).region(Self::sdk_region(&self.default_region()));
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_s3control::Client::from_conf(b.build())
    }

    pub(crate) fn iam(&self) -> aws_sdk_iam::Client {
        let mut b = aws_sdk_iam::config::Builder::from(&self.sdk);
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_iam::Client::from_conf(b.build())
    }

    pub(crate) fn kms(&self, region: &Region) -> aws_sdk_kms::Client {
        let mut b = aws_sdk_kms::config::Builder::from(&self.sdk).region(Self::sdk_region(region));
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_kms::Client::from_conf(b.build())
    }

    pub(crate) fn cloudtrail(&self, region: &Region) -> aws_sdk_cloudtrail::Client {
        let mut b = aws_sdk_cloudtrail::config::Builder::from(&self.sdk).region(Self::sdk_region(region));
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_cloudtrail::Client::from_conf(b.build())
    }
}
