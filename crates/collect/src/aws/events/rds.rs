//! RDS events (`AWS.RDS.DBInstance`).

use super::locate::{first, strings_at, Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn;

const RDS: &str = "rds.amazonaws.com";
const DB_INSTANCE: &str = "AWS.RDS.DBInstance";

const INSTANCE: Locator = Locator::refs(
    instance,
    "`responseElements.dBInstanceArn` and the instance identifiers in `requestParameters` (`dBInstanceIdentifier`, \
     `newDBInstanceIdentifier`, `targetDBInstanceIdentifier`)",
);
const TAGGED_INSTANCE: Locator =
    Locator::refs(tagged_instance, "`requestParameters.resourceName` when it is a DB instance ARN");

pub(super) const RULES: &[EventRule] = &[
    rule(RDS, "CreateDBInstance", DB_INSTANCE, Create, INSTANCE),
    rule(RDS, "CreateDBInstanceReadReplica", DB_INSTANCE, Create, INSTANCE),
    rule(RDS, "RestoreDBInstanceFromDBSnapshot", DB_INSTANCE, Create, INSTANCE),
    rule(RDS, "RestoreDBInstanceToPointInTime", DB_INSTANCE, Create, INSTANCE),
    rule(RDS, "RestoreDBInstanceFromS3", DB_INSTANCE, Create, INSTANCE),
    rule(RDS, "ModifyDBInstance", DB_INSTANCE, Modify, INSTANCE),
    rule(RDS, "PromoteReadReplica", DB_INSTANCE, Modify, INSTANCE),
    rule(RDS, "StartDBInstance", DB_INSTANCE, Modify, INSTANCE),
    rule(RDS, "StopDBInstance", DB_INSTANCE, Modify, INSTANCE),
    rule(RDS, "AddTagsToResource", DB_INSTANCE, Modify, TAGGED_INSTANCE),
    rule(RDS, "RemoveTagsFromResource", DB_INSTANCE, Modify, TAGGED_INSTANCE),
    rule(RDS, "DeleteDBInstance", DB_INSTANCE, Delete, INSTANCE),
];

/// The RDS collector's id: the instance ARN, `arn:{partition}:rds:{region}:{account}:db:{identifier}`.
/// RDS stores identifiers in lowercase whatever case the request used.
fn located(ev: &ApiCallEvent, identifier: &str) -> Located {
    let id = format!("db:{}", identifier.to_ascii_lowercase());
    Located::at(&ev.region, arn::regional("rds", &ev.region, ev.account_id.as_str(), &id))
}

fn instance(ev: &ApiCallEvent) -> Found {
    let mut found: Vec<Located> = first(&ev.response_elements, &["dBInstanceArn"])
        .map(|a| Located::at(&ev.region, a.to_string()))
        .into_iter()
        .collect();
    // A rename changes the ARN: the old identifier and the new are both rescanned.
    for key in ["dBInstanceIdentifier", "newDBInstanceIdentifier", "targetDBInstanceIdentifier"] {
        for identifier in strings_at(&ev.request_parameters, key) {
            let l = located(ev, identifier);
            if !found.contains(&l) {
                found.push(l);
            }
        }
    }
    if found.is_empty() {
        Err("requestParameters.dBInstanceIdentifier is missing".to_string())
    } else {
        Ok(found)
    }
}

fn tagged_instance(ev: &ApiCallEvent) -> Found {
    Ok(first(&ev.request_parameters, &["resourceName"])
        .filter(|a| a.starts_with("arn:") && a.contains(":db:"))
        .map(|a| Located::in_arn_region(a.to_string(), &ev.region))
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, region, unresolvable, ACCOUNT};
    use serde_json::json;

    fn id(region_name: &str, identifier: &str) -> String {
        arn::regional("rds", &region(region_name), ACCOUNT, &format!("db:{identifier}"))
    }

    #[test]
    fn a_created_instance_is_named_once() {
        check(&fixture("rds_create_db_instance.json"), &[(DB_INSTANCE, "us-east-2", &id("us-east-2", "orders"))]);
    }

    #[test]
    fn identifiers_are_lowercased_and_renames_rescan_both() {
        let e = event(
            RDS,
            "ModifyDBInstance",
            json!({"dBInstanceIdentifier": "Orders", "newDBInstanceIdentifier": "orders-v2", "applyImmediately": true}),
            json!(null),
        );
        check(
            &e,
            &[
                (DB_INSTANCE, "us-east-1", &id("us-east-1", "orders")),
                (DB_INSTANCE, "us-east-1", &id("us-east-1", "orders-v2")),
            ],
        );
        let restored = event(
            RDS,
            "RestoreDBInstanceToPointInTime",
            json!({"sourceDBInstanceIdentifier": "a", "targetDBInstanceIdentifier": "b"}),
            json!(null),
        );
        check(&restored, &[(DB_INSTANCE, "us-east-1", &id("us-east-1", "b"))]);
    }

    #[test]
    fn tags_rescan_only_instances() {
        let e = event(
            RDS,
            "AddTagsToResource",
            json!({"resourceName": id("us-east-1", "orders"), "tags": []}),
            json!(null),
        );
        check(&e, &[(DB_INSTANCE, "us-east-1", &id("us-east-1", "orders"))]);
        let snapshot = event(
            RDS,
            "AddTagsToResource",
            json!({"resourceName": "arn:aws:rds:us-east-1:111122223333:snapshot:s"}),
            json!(null),
        );
        assert_eq!(crate::aws::events::interpret(&snapshot), crate::aws::events::Interpretation::Unmapped);
    }

    #[test]
    fn an_instance_event_without_an_identifier_is_unresolvable() {
        let e = event(RDS, "DeleteDBInstance", json!({"skipFinalSnapshot": true}), json!(null));
        assert!(unresolvable(&e).contains("dBInstanceIdentifier"));
    }
}
