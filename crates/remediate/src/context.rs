//! Credentials for writing: the source's remediation role, a separate role from the read-only one
//! scans use, assumed with the source's ExternalId; and the SDK clients built from it.

use crate::RemediateError;
use aws_config::SdkConfig;
use palisade_collect::aws::{ActionRecorder, AwsConnector, AwsContext, ContextOptions};
use palisade_model::{AccountId, Region, Source};

/// The role `palisade onboard remediation-role` creates in a source's account, and the one
/// remediation assumes unless told otherwise.
pub const REMEDIATION_ROLE_NAME: &str = "PalisadeRemediation";

/// The remediation role of `source`: `role_name` in the source's account and partition. `None`
/// when the source has no role (it is reached with the ambient credentials, for reads and writes).
pub fn remediation_role_arn(source: &Source, role_name: &str) -> Option<String> {
    let read_role = source.role_arn.as_deref()?;
    let partition = read_role.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws");
    Some(format!("arn:{partition}:iam::{}:role/{role_name}", source.account_id))
}

/// SDK clients acting as one source's remediation role. Every client carries the recorder when
/// there is one, so a test can prove which operations an action calls.
#[derive(Clone)]
pub struct WriteContext {
    sdk: SdkConfig,
    account_id: AccountId,
    recorder: Option<ActionRecorder>,
    force_path_style: bool,
}

impl WriteContext {
    /// Assumes `source`'s remediation role (`role_name`, with the source's ExternalId), or uses
    /// the ambient credentials for a source without a role, and checks the account it reaches.
    pub async fn for_source(
        connector: &AwsConnector,
        source: &Source,
        role_name: &str,
        recorder: Option<ActionRecorder>,
    ) -> Result<Self, RemediateError> {
        let role = remediation_role_arn(source, role_name);
        let writer = Source { role_arn: role.clone(), ..source.clone() };
        let opts = ContextOptions {
            source: source.name.clone(),
            label: source.label.clone(),
            recorder: recorder.clone(),
            ..ContextOptions::default()
        };
        let ctx = connector.context_for(&writer, opts).await.map_err(|e| RemediateError::Credentials {
            source_name: source.name.clone(),
            role: role.unwrap_or_else(|| "the ambient credentials".into()),
            cause: Box::new(e),
        })?;
        Ok(Self::from_context(&ctx, recorder))
    }

    /// Writes with the credentials of an existing context (tests, or a caller that already
    /// holds write credentials).
    pub fn from_context(ctx: &AwsContext, recorder: Option<ActionRecorder>) -> Self {
        let sdk = ctx.sdk_config().clone();
        // An endpoint override means an emulator or proxy, which cannot serve virtual-hosted S3.
        let force_path_style = sdk.endpoint_url().is_some();
        Self { sdk, account_id: ctx.account_id().clone(), recorder, force_path_style }
    }

    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }

    fn sdk_region(region: &Region) -> aws_types::region::Region {
        aws_types::region::Region::new(region.as_str().to_string())
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

    pub(crate) fn ec2(&self, region: &Region) -> aws_sdk_ec2::Client {
        let mut b = aws_sdk_ec2::config::Builder::from(&self.sdk).region(Self::sdk_region(region));
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_ec2::Client::from_conf(b.build())
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

    /// IAM is global: its client uses the configured (signing) region.
    pub(crate) fn iam(&self) -> aws_sdk_iam::Client {
        let mut b = aws_sdk_iam::config::Builder::from(&self.sdk);
        if let Some(r) = &self.recorder {
            b = b.interceptor(r.clone());
        }
        aws_sdk_iam::Client::from_conf(b.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(role_arn: Option<&str>) -> Source {
        Source {
            name: "prod".into(),
            account_id: AccountId::new("123456789012").unwrap(),
            label: "Prod".into(),
            role_arn: role_arn.map(str::to_string),
            external_id: Some("x-1".into()),
            regions: vec![],
            realtime: false,
            remediation: true,
            enabled: true,
            schedule: "@daily".into(),
            next_run_at: None,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn the_remediation_role_sits_beside_the_read_role() {
        let s = source(Some("arn:aws:iam::123456789012:role/PalisadeReadOnly"));
        assert_eq!(
            remediation_role_arn(&s, REMEDIATION_ROLE_NAME).as_deref(),
            Some("arn:aws:iam::123456789012:role/PalisadeRemediation")
        );
        let gov = source(Some("arn:aws-us-gov:iam::123456789012:role/team/Reader"));
        assert_eq!(remediation_role_arn(&gov, "Fixer").as_deref(), Some("arn:aws-us-gov:iam::123456789012:role/Fixer"));
        assert_eq!(remediation_role_arn(&source(None), REMEDIATION_ROLE_NAME), None);
    }
}
