//! `AWS.Account.Monitoring`: the account's one resource joining trails, metric filters, alarms and
//! their SNS subscriptions. Every event changing a link of that chain rescans it; this file holds
//! the CloudWatch Logs, CloudWatch and SNS events, the trail and bucket-logging events are with
//! their services.

use super::locate::{Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn::partition;

pub(super) const MONITORING: &str = "AWS.Account.Monitoring";

/// The account's monitoring resource (the collector's id: the partition of the region the
/// account is read from, which the event's region shares).
pub(super) const ACCOUNT_MONITORING: Locator =
    Locator::refs(monitoring, "the account's one resource, `arn:aws:cloudwatch::{account}:monitoring`");

fn monitoring(ev: &ApiCallEvent) -> Found {
    Ok(vec![Located::global(monitoring_id(ev))])
}

pub(super) fn monitoring_id(ev: &ApiCallEvent) -> String {
    format!("arn:{}:cloudwatch::{}:monitoring", partition(&ev.region), ev.account_id)
}

const LOGS: &str = "logs.amazonaws.com";
const CLOUDWATCH: &str = "monitoring.amazonaws.com";
const SNS: &str = "sns.amazonaws.com";

pub(super) const RULES: &[EventRule] = &[
    rule(LOGS, "PutMetricFilter", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(LOGS, "DeleteMetricFilter", MONITORING, Modify, ACCOUNT_MONITORING),
    // A deleted log group takes its metric filters with it.
    rule(LOGS, "DeleteLogGroup", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDWATCH, "PutMetricAlarm", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDWATCH, "DeleteAlarms", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDWATCH, "EnableAlarmActions", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDWATCH, "DisableAlarmActions", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(SNS, "Subscribe", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(SNS, "ConfirmSubscription", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(SNS, "Unsubscribe", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(SNS, "DeleteTopic", MONITORING, Modify, ACCOUNT_MONITORING),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, region};
    use serde_json::json;

    #[test]
    fn a_metric_filter_rescans_the_account_monitoring() {
        check(
            &fixture("logs_put_metric_filter.json"),
            &[(MONITORING, "global", "arn:aws:cloudwatch::111122223333:monitoring")],
        );
    }

    #[test]
    fn an_sns_subscription_from_moto_rescans_it_too() {
        // moto's envelope has no top-level account; the detail's recipient names it.
        check(
            &fixture("sns_subscribe_moto.json"),
            &[(MONITORING, "global", "arn:aws:cloudwatch::444455556666:monitoring")],
        );
    }

    #[test]
    fn the_id_follows_the_partition() {
        let mut e = event(CLOUDWATCH, "DeleteAlarms", json!({"alarmNames": ["a"]}), json!(null));
        e.region = region("cn-north-1");
        check(&e, &[(MONITORING, "global", "arn:aws-cn:cloudwatch::111122223333:monitoring")]);
    }
}
