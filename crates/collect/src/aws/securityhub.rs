//! Security Hub collector: one `AWS.Region.SecurityHub` per region, saying whether the account
//! is subscribed there and which standards are enabled.

use super::actions::call;
use super::error::{api_error, error_code};
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_securityhub::error::SdkError;
use aws_sdk_securityhub::operation::describe_hub::DescribeHubOutput;
use aws_sdk_securityhub::operation::get_enabled_standards::GetEnabledStandardsError;
use aws_sdk_securityhub::types::StandardsSubscription;
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SERVICE: &str = "securityhub";
const REGION_SETTINGS: &str = "AWS.Region.SecurityHub";
/// DescribeHub's answers when the account is not subscribed to Security Hub in the region.
const NOT_SUBSCRIBED: &[&str] = &["InvalidAccessException", "ResourceNotFoundException"];

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "securityhub",
    scope: Scope::Regional,
    resource_types: &[REGION_SETTINGS],
    calls: &[
        call("SecurityHub", "DescribeHub", "securityhub:DescribeHub"),
        call("SecurityHub", "GetEnabledStandards", "securityhub:GetEnabledStandards"),
    ],
};

/// Emits the region's one settings resource. A failed DescribeHub is recorded and nothing is
/// emitted; a failed GetEnabledStandards is recorded and the resource goes out with
/// `EnabledStandards` null, since `Enabled` is known either way.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    match describe(ctx, region).await {
        Ok((resource, standards_error)) => {
            out.resource(resource).await?;
            match standards_error {
                Some(e) => out.error(&e).await,
                None => Ok(()),
            }
        }
        Err(e) => out.error(&e).await,
    }
}

/// Fetches the region's settings resource; `None` for any other id.
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    if reference.id.as_str() != settings_arn(region, ctx.account_id().as_str()) {
        return Ok(None);
    }
    let (resource, standards_error) = describe(ctx, region).await?;
    if let Some(e) = standards_error {
        // A fetch returns one resource and has no error list; the null says "unknown".
        tracing::warn!(error = %e, "security hub standards unreadable; EnabledStandards is null");
    }
    Ok(Some(resource))
}

/// The settings resource, and the GetEnabledStandards failure if that call failed.
async fn describe(ctx: &AwsContext, region: &Region) -> Result<(Resource, Option<CollectError>), CollectError> {
    let client = ctx.securityhub(region);
    let hub = match client.describe_hub().send().await {
        Ok(hub) => Some(hub),
        Err(e) if error_code(&e).is_some_and(|c| NOT_SUBSCRIBED.contains(&c)) => None,
        Err(e) => return Err(api_error(SERVICE, region.as_str(), "DescribeHub", e)),
    };
    let (standards, standards_error) = match &hub {
        // Not subscribed: no standards can be enabled, so there is nothing to ask.
        None => (Some(Vec::new()), None),
        Some(_) => match enabled_standards(&client).await {
            Ok(standards) => (Some(standards), None),
            Err(e) => (None, Some(api_error(SERVICE, region.as_str(), "GetEnabledStandards", e))),
        },
    };
    let attributes = hub_attributes(hub.as_ref(), standards.as_deref());
    let arn = settings_arn(region, ctx.account_id().as_str());
    let resource = ctx.resource(REGION_SETTINGS, arn, region, region.to_string(), BTreeMap::new(), attributes)?;
    Ok((resource, standards_error))
}

async fn enabled_standards(
    client: &aws_sdk_securityhub::Client,
) -> Result<Vec<StandardsSubscription>, SdkError<GetEnabledStandardsError>> {
    let mut standards = Vec::new();
    let mut stream = client.get_enabled_standards().into_paginator().items().send();
    while let Some(s) = stream.next().await {
        standards.push(s?);
    }
    Ok(standards)
}

// ---- pure: SDK shapes to attributes ----

/// `arn:{partition}:securityhub:{region}:{account}:region-settings`.
fn settings_arn(region: &Region, account: &str) -> String {
    super::arn::regional("securityhub", region, account, "region-settings")
}

/// `hub` is `None` when the account is not subscribed; `standards` is `None` when they could
/// not be read (and then `EnabledStandards` is null).
fn hub_attributes(hub: Option<&DescribeHubOutput>, standards: Option<&[StandardsSubscription]>) -> Value {
    json!({
        "Enabled": hub.is_some(),
        "HubArn": hub.and_then(|h| h.hub_arn()),
        "SubscribedAt": hub.and_then(|h| h.subscribed_at()).map(rfc3339),
        "AutoEnableControls": hub.and_then(|h| h.auto_enable_controls()),
        "EnabledStandards": standards.map(|list| list.iter().map(|s| json!({
            "StandardsArn": s.standards_arn(),
            "StandardsSubscriptionArn": s.standards_subscription_arn(),
            "StandardsStatus": s.standards_status().map(|v| v.as_str()),
        })).collect::<Vec<_>>()),
    })
}

/// Security Hub returns SubscribedAt as an ISO 8601 string; normalise it to UTC RFC 3339 like
/// every other timestamp (kept as given if it does not parse).
fn rfc3339(s: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        .unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_securityhub::types::StandardsStatus;

    const HUB: &str = "arn:aws:securityhub:us-east-1:111122223333:hub/default";
    const CIS: &str = "arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0";

    fn hub() -> DescribeHubOutput {
        DescribeHubOutput::builder()
            .hub_arn(HUB)
            .subscribed_at("2024-05-04T17:47:01.362+02:00")
            .auto_enable_controls(true)
            .build()
    }

    #[test]
    fn subscribed_hub_with_a_standard() {
        let cis = StandardsSubscription::builder()
            .standards_arn(CIS)
            .standards_subscription_arn("arn:aws:securityhub:us-east-1:111122223333:subscription/cis/v/3.0.0")
            .standards_status(StandardsStatus::Ready)
            .build();
        assert_eq!(
            hub_attributes(Some(&hub()), Some(&[cis])),
            json!({
                "Enabled": true, "HubArn": HUB, "SubscribedAt": "2024-05-04T15:47:01.362Z",
                "AutoEnableControls": true,
                "EnabledStandards": [{
                    "StandardsArn": CIS,
                    "StandardsSubscriptionArn": "arn:aws:securityhub:us-east-1:111122223333:subscription/cis/v/3.0.0",
                    "StandardsStatus": "READY",
                }],
            })
        );
    }

    #[test]
    fn not_subscribed_is_disabled_with_nulls_and_no_standards() {
        assert_eq!(
            hub_attributes(None, Some(&[])),
            json!({"Enabled": false, "HubArn": null, "SubscribedAt": null, "AutoEnableControls": null,
                   "EnabledStandards": []})
        );
    }

    #[test]
    fn unreadable_standards_are_null_not_empty() {
        let attrs = hub_attributes(Some(&hub()), None);
        assert_eq!(attrs["Enabled"], json!(true));
        assert_eq!(attrs["EnabledStandards"], Value::Null);
    }

    #[test]
    fn subscribed_at_is_normalised_to_utc() {
        assert_eq!(rfc3339("2021-05-04T17:47:01.362Z"), "2021-05-04T17:47:01.362Z");
        assert_eq!(rfc3339("2026-01-02T03:04:05+00:00"), "2026-01-02T03:04:05Z");
        assert_eq!(rfc3339("not a time"), "not a time");
    }

    #[test]
    fn settings_arn_follows_the_partition() {
        let r = |s: &str| Region::new(s).expect("region");
        assert_eq!(settings_arn(&r("us-east-1"), "1"), "arn:aws:securityhub:us-east-1:1:region-settings");
        assert_eq!(settings_arn(&r("cn-north-1"), "1"), "arn:aws-cn:securityhub:cn-north-1:1:region-settings");
    }
}
