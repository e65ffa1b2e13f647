//! IAM Access Analyzer collector: one `AWS.Region.AccessAnalyzer` per region, listing the
//! region's analyzers and saying whether one is active.

use super::actions::call;
use super::error::api_error;
use super::{AwsContext, Scope, ServiceSpec};
use crate::{CollectError, Emitter};
use aws_sdk_accessanalyzer::types::{AnalyzerStatus, AnalyzerSummary};
use palisade_model::{Region, Resource, ResourceRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SERVICE: &str = "accessanalyzer";
const REGION_SETTINGS: &str = "AWS.Region.AccessAnalyzer";

pub(crate) const SPEC: ServiceSpec = ServiceSpec {
    name: "accessanalyzer",
    scope: Scope::Regional,
    resource_types: &[REGION_SETTINGS],
    calls: &[call("AccessAnalyzer", "ListAnalyzers", "access-analyzer:ListAnalyzers")],
};

/// Emits the region's one settings resource. A failed listing is recorded and nothing is
/// emitted (an unread region must not look like one without analyzers); other collectors go on.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region, out: &Emitter) -> Result<(), CollectError> {
    match describe(ctx, region).await {
        Ok(resource) => out.resource(resource).await,
        Err(e) => out.error(&e).await,
    }
}

/// Fetches the region's settings resource; `None` for any other id.
pub(crate) async fn fetch(ctx: &AwsContext, reference: &ResourceRef) -> Result<Option<Resource>, CollectError> {
    let region = &reference.region;
    if reference.id.as_str() != settings_arn(region, ctx.account_id().as_str()) {
        return Ok(None);
    }
    describe(ctx, region).await.map(Some)
}

/// Lists every analyzer of every type in the region (no type filter).
async fn describe(ctx: &AwsContext, region: &Region) -> Result<Resource, CollectError> {
    let client = ctx.accessanalyzer(region);
    let mut analyzers = Vec::new();
    let mut stream = client.list_analyzers().into_paginator().items().send();
    while let Some(analyzer) = stream.next().await {
        analyzers.push(analyzer.map_err(|e| api_error(SERVICE, region.as_str(), "ListAnalyzers", e))?);
    }
    let arn = settings_arn(region, ctx.account_id().as_str());
    ctx.resource(REGION_SETTINGS, arn, region, region.to_string(), BTreeMap::new(), analyzer_attributes(&analyzers))
}

// ---- pure: SDK shapes to attributes ----

/// `arn:{partition}:access-analyzer:{region}:{account}:region-settings`.
fn settings_arn(region: &Region, account: &str) -> String {
    super::arn::regional("access-analyzer", region, account, "region-settings")
}

/// `Enabled` is true when any analyzer (of any type) is ACTIVE; `Type` tells external-access
/// analyzers (`ACCOUNT`, `ORGANIZATION`) from unused- and internal-access ones.
fn analyzer_attributes(analyzers: &[AnalyzerSummary]) -> Value {
    json!({
        "Enabled": analyzers.iter().any(|a| a.status() == &AnalyzerStatus::Active),
        "Analyzers": analyzers.iter().map(|a| json!({
            "Name": a.name(),
            "Arn": a.arn(),
            "Type": a.r#type().as_str(),
            "Status": a.status().as_str(),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_accessanalyzer::types::Type;
    use aws_smithy_types::DateTime;

    fn analyzer(name: &str, kind: Type, status: AnalyzerStatus) -> AnalyzerSummary {
        AnalyzerSummary::builder()
            .arn(format!("arn:aws:access-analyzer:us-east-1:111122223333:analyzer/{name}"))
            .name(name)
            .r#type(kind)
            .created_at(DateTime::from_secs(1_700_000_000))
            .status(status)
            .build()
            .expect("analyzer")
    }

    #[test]
    fn an_active_analyzer_enables_the_region() {
        let analyzers = [
            analyzer("creating", Type::Organization, AnalyzerStatus::Creating),
            analyzer("external", Type::Account, AnalyzerStatus::Active),
        ];
        assert_eq!(
            analyzer_attributes(&analyzers),
            json!({
                "Enabled": true,
                "Analyzers": [
                    {"Name": "creating", "Arn": "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/creating",
                     "Type": "ORGANIZATION", "Status": "CREATING"},
                    {"Name": "external", "Arn": "arn:aws:access-analyzer:us-east-1:111122223333:analyzer/external",
                     "Type": "ACCOUNT", "Status": "ACTIVE"},
                ],
            })
        );
    }

    #[test]
    fn no_analyzer_or_none_active_is_disabled() {
        assert_eq!(analyzer_attributes(&[]), json!({"Enabled": false, "Analyzers": []}));
        let idle = [
            analyzer("off", Type::Account, AnalyzerStatus::Disabled),
            analyzer("broken", Type::AccountUnusedAccess, AnalyzerStatus::Failed),
        ];
        let attrs = analyzer_attributes(&idle);
        assert_eq!(attrs["Enabled"], json!(false));
        assert_eq!(attrs["Analyzers"][1]["Type"], json!("ACCOUNT_UNUSED_ACCESS"));
        assert_eq!(attrs["Analyzers"][1]["Status"], json!("FAILED"));
    }

    #[test]
    fn settings_arn_follows_the_partition() {
        let r = |s: &str| Region::new(s).expect("region");
        assert_eq!(settings_arn(&r("eu-west-1"), "1"), "arn:aws:access-analyzer:eu-west-1:1:region-settings");
        assert_eq!(
            settings_arn(&r("us-gov-east-1"), "1"),
            "arn:aws-us-gov:access-analyzer:us-gov-east-1:1:region-settings"
        );
    }
}
