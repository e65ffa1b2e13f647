//! Per-region settings resources: AWS Config (`AWS.Region.Config`), Security Hub
//! (`AWS.Region.SecurityHub`) and IAM Access Analyzer (`AWS.Region.AccessAnalyzer`). Each region
//! has one, so every event rescans the one of the event's region. (EC2's EBS defaults are in
//! `ec2.rs`.)

use super::locate::{Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn;

const CONFIG: &str = "config.amazonaws.com";
const SECURITY_HUB: &str = "securityhub.amazonaws.com";
const ACCESS_ANALYZER: &str = "access-analyzer.amazonaws.com";

const CONFIG_SETTINGS: &str = "AWS.Region.Config";
const SECURITY_HUB_SETTINGS: &str = "AWS.Region.SecurityHub";
const ACCESS_ANALYZER_SETTINGS: &str = "AWS.Region.AccessAnalyzer";

const CONFIG_REGION: Locator =
    Locator::refs(config_region, "the region's one resource, `arn:aws:config:{region}:{account}:region-settings`");
const SECURITY_HUB_REGION: Locator = Locator::refs(
    security_hub_region,
    "the region's one resource, `arn:aws:securityhub:{region}:{account}:region-settings`",
);
const ACCESS_ANALYZER_REGION: Locator = Locator::refs(
    access_analyzer_region,
    "the region's one resource, `arn:aws:access-analyzer:{region}:{account}:region-settings`",
);

pub(super) const RULES: &[EventRule] = &[
    rule(CONFIG, "PutConfigurationRecorder", CONFIG_SETTINGS, Modify, CONFIG_REGION),
    rule(CONFIG, "DeleteConfigurationRecorder", CONFIG_SETTINGS, Modify, CONFIG_REGION),
    rule(CONFIG, "StartConfigurationRecorder", CONFIG_SETTINGS, Modify, CONFIG_REGION),
    rule(CONFIG, "StopConfigurationRecorder", CONFIG_SETTINGS, Modify, CONFIG_REGION),
    rule(CONFIG, "PutDeliveryChannel", CONFIG_SETTINGS, Modify, CONFIG_REGION),
    rule(CONFIG, "DeleteDeliveryChannel", CONFIG_SETTINGS, Modify, CONFIG_REGION),
    rule(SECURITY_HUB, "EnableSecurityHub", SECURITY_HUB_SETTINGS, Modify, SECURITY_HUB_REGION),
    rule(SECURITY_HUB, "DisableSecurityHub", SECURITY_HUB_SETTINGS, Modify, SECURITY_HUB_REGION),
    rule(SECURITY_HUB, "BatchEnableStandards", SECURITY_HUB_SETTINGS, Modify, SECURITY_HUB_REGION),
    rule(SECURITY_HUB, "BatchDisableStandards", SECURITY_HUB_SETTINGS, Modify, SECURITY_HUB_REGION),
    rule(ACCESS_ANALYZER, "CreateAnalyzer", ACCESS_ANALYZER_SETTINGS, Modify, ACCESS_ANALYZER_REGION),
    rule(ACCESS_ANALYZER, "DeleteAnalyzer", ACCESS_ANALYZER_SETTINGS, Modify, ACCESS_ANALYZER_REGION),
];

/// The collectors' id: `arn:{partition}:{service}:{region}:{account}:region-settings`.
fn settings(ev: &ApiCallEvent, service: &str) -> Found {
    Ok(vec![Located::at(&ev.region, arn::regional(service, &ev.region, ev.account_id.as_str(), "region-settings"))])
}

fn config_region(ev: &ApiCallEvent) -> Found {
    settings(ev, "config")
}
fn security_hub_region(ev: &ApiCallEvent) -> Found {
    settings(ev, "securityhub")
}
fn access_analyzer_region(ev: &ApiCallEvent) -> Found {
    settings(ev, "access-analyzer")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, fixture, region, ACCOUNT};

    fn id(service: &str, region_name: &str) -> String {
        arn::regional(service, &region(region_name), ACCOUNT, "region-settings")
    }

    #[test]
    fn a_stopped_recorder_rescans_the_region_config_settings() {
        check(
            &fixture("config_stop_configuration_recorder.json"),
            &[(CONFIG_SETTINGS, "ca-central-1", &id("config", "ca-central-1"))],
        );
    }

    #[test]
    fn security_hub_rescans_its_region_settings() {
        check(
            &fixture("securityhub_disable.json"),
            &[(SECURITY_HUB_SETTINGS, "us-gov-west-1", &id("securityhub", "us-gov-west-1"))],
        );
        assert!(id("securityhub", "us-gov-west-1").starts_with("arn:aws-us-gov:"));
    }

    #[test]
    fn an_analyzer_rescans_its_region_settings() {
        check(
            &fixture("accessanalyzer_create_analyzer.json"),
            &[(ACCESS_ANALYZER_SETTINGS, "eu-west-3", &id("access-analyzer", "eu-west-3"))],
        );
    }
}
