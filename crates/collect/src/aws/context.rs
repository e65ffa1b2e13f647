//! Everything a collector needs to call one AWS account: SDK configuration, the account's
//! identity, its source name and label, and the clients built from them.

use super::actions::ActionRecorder;
use super::error::api_error;
use crate::CollectError;
use aws_config::{BehaviorVersion, SdkConfig};
use palisade_model::{AccountId, Region, Resource, ResourceId, Source};
use std::collections::BTreeMap;

/// Palisade's own AWS identity (the standard credential chain), from which it reaches each
/// source: directly, or by assuming the source's role with its ExternalId.
#[derive(Clone)]
pub struct AwsConnector {
    base: SdkConfig,
}

/// Attempts per call (the first and its retries) unless `AWS_MAX_ATTEMPTS` says otherwise. The
/// SDK's standard retry mode backs off exponentially with jitter on throttling and transient
/// errors.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;

impl AwsConnector {
    /// Loads the standard credential chain (environment, profile, SSO, session token; honours
    /// `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`).
    pub async fn from_environment() -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if std::env::var_os("AWS_MAX_ATTEMPTS").is_none() && std::env::var_os("AWS_RETRY_MODE").is_none() {
            loader =
                loader.retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(DEFAULT_MAX_ATTEMPTS));
        }
        Self { base: loader.load().await }
    }

    pub fn from_config(base: SdkConfig) -> Self {
        Self { base }
    }

    /// Palisade's own configuration (its identity, region and endpoint), before any source's role.
    pub(crate) fn base_config(&self) -> &SdkConfig {
        &self.base
    }

    /// A context for `source`: its role assumed (with its ExternalId) when it has one, the
    /// ambient credentials otherwise. Assumed credentials are cached by the SDK and refreshed
    /// before they expire. Fails if the credentials reach another account than the source's.
    pub async fn context_for(&self, source: &Source, opts: ContextOptions) -> Result<AwsContext, CollectError> {
        let sdk = match &source.role_arn {
            None => self.base.clone(),
            Some(arn) => {
                let mut builder = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
                    .session_name(session_name(&source.name))
                    .configure(&self.base);
                if let Some(x) = &source.external_id {
                    builder = builder.external_id(x.clone());
                }
                let provider = builder.build().await;
                self.base
                    .clone()
                    .into_builder()
                    .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(provider))
                    .build()
            }
        };
        let ctx = AwsContext::new(sdk, opts).await?;
        if ctx.account_id() != &source.account_id {
            return Err(CollectError::Config(format!(
                "source {} is account {}, but its credentials reach account {}",
                source.name,
                source.account_id,
                ctx.account_id()
            )));
        }
        Ok(ctx)
    }
}

/// An STS session name for a source: at most 64 characters of `[\w+=,.@-]`.
fn session_name(source: &str) -> String {
    let cleaned: String =
        source.chars().map(|c| if c.is_ascii_alphanumeric() || "+=,.@-_".contains(c) { c } else { '-' }).collect();
    let mut name = format!("palisade-{cleaned}");
    name.truncate(64);
    name
}

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
        Self::new(AwsConnector::from_environment().await.base, opts).await
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

    /// The SDK configuration this context was built from (its credentials and endpoint).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }
}

/// One accessor per SDK client: built from the context's configuration, in the given region (or
/// the default one for global services), with the action recorder attached when there is one.
macro_rules! clients {
    (regional: $($rname:ident => $rkrate:ident),* ; global: $($gname:ident => $gkrate:ident),* $(,)?) => {
        impl AwsContext {
            $(
                pub(crate) fn $rname(&self, region: &Region) -> $rkrate::Client {
                    let mut b = $rkrate::config::Builder::from(&self.sdk).region(Self::sdk_region(region));
                    if let Some(r) = &self.recorder {
                        b = b.interceptor(r.clone());
                    }
                    $rkrate::Client::from_conf(b.build())
                }
            )*
            $(
                pub(crate) fn $gname(&self) -> $gkrate::Client {
                    let mut b = $gkrate::config::Builder::from(&self.sdk);
                    if let Some(r) = &self.recorder {
                        b = b.interceptor(r.clone());
                    }
                    $gkrate::Client::from_conf(b.build())
                }
            )*
        }
    };
}

clients! {
    regional:
        ec2 => aws_sdk_ec2,
        kms => aws_sdk_kms,
        cloudtrail => aws_sdk_cloudtrail,
        rds => aws_sdk_rds,
        efs => aws_sdk_efs,
        config => aws_sdk_config,
        logs => aws_sdk_cloudwatchlogs,
        cloudwatch => aws_sdk_cloudwatch,
        sns => aws_sdk_sns,
        securityhub => aws_sdk_securityhub,
        accessanalyzer => aws_sdk_accessanalyzer;
    global:
        iam => aws_sdk_iam,
        organizations => aws_sdk_organizations,
}
