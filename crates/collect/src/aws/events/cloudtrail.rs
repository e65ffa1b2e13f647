//! CloudTrail events: trails (`AWS.CloudTrail.Trail`), each of which also changes the
//! `AWS.Account.Monitoring` resource that reads every trail's status and selectors.

use super::locate::{first, Found, Located};
use super::monitoring::{ACCOUNT_MONITORING, MONITORING};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn;

const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";
const TRAIL: &str = "AWS.CloudTrail.Trail";

const NAMED_TRAIL: Locator = Locator::refs(
    named_trail,
    "`responseElements.trailARN`, else `requestParameters.name` or `trailName` (a name or an ARN); a name is a \
     trail in the event's region, where trails are changed",
);
const TAGGED_TRAIL: Locator = Locator::refs(tagged_trail, "`requestParameters.resourceId` when it is a trail ARN");

pub(super) const RULES: &[EventRule] = &[
    rule(CLOUDTRAIL, "CreateTrail", TRAIL, Create, NAMED_TRAIL),
    rule(CLOUDTRAIL, "UpdateTrail", TRAIL, Modify, NAMED_TRAIL),
    rule(CLOUDTRAIL, "DeleteTrail", TRAIL, Delete, NAMED_TRAIL),
    rule(CLOUDTRAIL, "StartLogging", TRAIL, Modify, NAMED_TRAIL),
    rule(CLOUDTRAIL, "StopLogging", TRAIL, Modify, NAMED_TRAIL),
    rule(CLOUDTRAIL, "PutEventSelectors", TRAIL, Modify, NAMED_TRAIL),
    rule(CLOUDTRAIL, "AddTags", TRAIL, Modify, TAGGED_TRAIL),
    rule(CLOUDTRAIL, "RemoveTags", TRAIL, Modify, TAGGED_TRAIL),
    rule(CLOUDTRAIL, "CreateTrail", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDTRAIL, "UpdateTrail", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDTRAIL, "DeleteTrail", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDTRAIL, "StartLogging", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDTRAIL, "StopLogging", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(CLOUDTRAIL, "PutEventSelectors", MONITORING, Modify, ACCOUNT_MONITORING),
];

/// The CloudTrail collector's id: the trail ARN, `arn:{partition}:cloudtrail:{home region}:{account}:trail/{name}`,
/// stored in the trail's home region.
fn trail(ev: &ApiCallEvent, name_or_arn: &str) -> Located {
    if name_or_arn.starts_with("arn:") {
        Located::in_arn_region(name_or_arn.to_string(), &ev.region)
    } else {
        let id = arn::regional("cloudtrail", &ev.region, ev.account_id.as_str(), &format!("trail/{name_or_arn}"));
        Located::at(&ev.region, id)
    }
}

fn named_trail(ev: &ApiCallEvent) -> Found {
    let named = first(&ev.response_elements, &["trailARN"])
        .or_else(|| first(&ev.request_parameters, &["name", "trailName"]))
        .ok_or_else(|| "requestParameters.name (or trailName) is missing".to_string())?;
    Ok(vec![trail(ev, named)])
}

fn tagged_trail(ev: &ApiCallEvent) -> Found {
    Ok(first(&ev.request_parameters, &["resourceId"])
        .filter(|id| id.starts_with("arn:") && id.contains(":trail/"))
        .map(|id| trail(ev, id))
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, region, unresolvable, ACCOUNT};
    use serde_json::json;

    fn id(region_name: &str, name: &str) -> String {
        arn::regional("cloudtrail", &region(region_name), ACCOUNT, &format!("trail/{name}"))
    }

    const MONITORING_ID: &str = "arn:aws:cloudwatch::111122223333:monitoring";

    #[test]
    fn stopping_a_trail_rescans_it_and_the_monitoring_resource() {
        check(
            &fixture("cloudtrail_stop_logging.json"),
            &[(TRAIL, "eu-west-1", &id("eu-west-1", "management-events")), (MONITORING, "global", MONITORING_ID)],
        );
    }

    #[test]
    fn a_trail_named_by_arn_lives_in_the_arn_region() {
        let e = event(
            CLOUDTRAIL,
            "PutEventSelectors",
            json!({"trailName": id("eu-west-2", "t"), "eventSelectors": []}),
            json!(null),
        );
        check(&e, &[(TRAIL, "eu-west-2", &id("eu-west-2", "t")), (MONITORING, "global", MONITORING_ID)]);
        let created = event(
            CLOUDTRAIL,
            "CreateTrail",
            json!({"name": "t", "s3BucketName": "b"}),
            json!({"trailARN": id("us-east-1", "t"), "name": "t"}),
        );
        check(&created, &[(TRAIL, "us-east-1", &id("us-east-1", "t")), (MONITORING, "global", MONITORING_ID)]);
    }

    #[test]
    fn tags_on_other_resources_touch_no_trail() {
        let tagged =
            event(CLOUDTRAIL, "AddTags", json!({"resourceId": id("us-east-1", "t"), "tagsList": []}), json!(null));
        check(&tagged, &[(TRAIL, "us-east-1", &id("us-east-1", "t"))]);
        let store = event(
            CLOUDTRAIL,
            "AddTags",
            json!({"resourceId": "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/x"}),
            json!(null),
        );
        assert_eq!(crate::aws::events::interpret(&store), crate::aws::events::Interpretation::Unmapped);
    }

    #[test]
    fn a_trail_event_without_a_name_is_unresolvable() {
        let e = event(CLOUDTRAIL, "DeleteTrail", json!({}), json!(null));
        assert_eq!(unresolvable(&e), "requestParameters.name (or trailName) is missing");
    }
}
