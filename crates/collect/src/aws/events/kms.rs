//! KMS events (`AWS.KMS.Key`). Requests name a key by id, ARN, alias name or alias ARN; an alias
//! is resolved through the key ARNs CloudTrail lists in the event's `resources`.

use super::locate::{arn_part, first, strings_at, Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn;

const KMS: &str = "kms.amazonaws.com";
const KEY: &str = "AWS.KMS.Key";

const NEW_KEY: Locator = Locator::refs(new_key, "`responseElements.keyMetadata.arn` (or `keyId`)");
const KEY_ID: Locator = Locator::refs(
    key_id,
    "`requestParameters.keyId` (an id or key ARN; an alias resolves through the key ARNs in `resources`)",
);
const REPLICA: Locator =
    Locator::refs(replica, "`responseElements.replicaKeyMetadata.arn` (the new replica, in its own region)");
const ALIAS_KEYS: Locator = Locator::refs(
    alias_keys,
    "`requestParameters.targetKeyId` and every key ARN in `resources` (the key an alias leaves, the key it joins)",
);

pub(super) const RULES: &[EventRule] = &[
    rule(KMS, "CreateKey", KEY, Create, NEW_KEY),
    rule(KMS, "ReplicateKey", KEY, Create, REPLICA),
    // The key stays (pending deletion) until its waiting period ends; its state changes now.
    rule(KMS, "ScheduleKeyDeletion", KEY, Modify, KEY_ID),
    rule(KMS, "CancelKeyDeletion", KEY, Modify, KEY_ID),
    rule(KMS, "EnableKey", KEY, Modify, KEY_ID),
    rule(KMS, "DisableKey", KEY, Modify, KEY_ID),
    rule(KMS, "EnableKeyRotation", KEY, Modify, KEY_ID),
    rule(KMS, "DisableKeyRotation", KEY, Modify, KEY_ID),
    rule(KMS, "PutKeyPolicy", KEY, Modify, KEY_ID),
    rule(KMS, "UpdateKeyDescription", KEY, Modify, KEY_ID),
    rule(KMS, "TagResource", KEY, Modify, KEY_ID),
    rule(KMS, "UntagResource", KEY, Modify, KEY_ID),
    rule(KMS, "CreateAlias", KEY, Modify, ALIAS_KEYS),
    rule(KMS, "UpdateAlias", KEY, Modify, ALIAS_KEYS),
    rule(KMS, "DeleteAlias", KEY, Modify, ALIAS_KEYS),
];

/// The KMS collector's id: the key ARN DescribeKey returns, `arn:{partition}:kms:{region}:{account}:key/{id}`.
fn key_arn(ev: &ApiCallEvent, key: &str) -> Option<Located> {
    if key.starts_with("arn:") {
        return key.contains(":key/").then(|| Located::in_arn_region(key.to_string(), &ev.region));
    }
    if key.starts_with("alias/") {
        return None;
    }
    Some(Located::at(&ev.region, arn::regional("kms", &ev.region, ev.account_id.as_str(), &format!("key/{key}"))))
}

/// The key ARNs among the event's `resources` (an alias's key).
fn resource_keys(ev: &ApiCallEvent) -> Vec<Located> {
    ev.resource_arns
        .iter()
        .filter(|a| arn_part(a, 2) == Some("kms") && a.contains(":key/"))
        .map(|a| Located::in_arn_region(a.clone(), &ev.region))
        .collect()
}

fn push_new(found: &mut Vec<Located>, more: impl IntoIterator<Item = Located>) {
    for l in more {
        if !found.contains(&l) {
            found.push(l);
        }
    }
}

fn new_key(ev: &ApiCallEvent) -> Found {
    let key = first(&ev.response_elements, &["keyMetadata.arn", "keyMetadata.keyId"])
        .ok_or_else(|| "responseElements.keyMetadata is missing".to_string())?;
    key_arn(ev, key).map(|l| vec![l]).ok_or_else(|| format!("responseElements.keyMetadata names no key ({key})"))
}

fn key_id(ev: &ApiCallEvent) -> Found {
    let named = first(&ev.request_parameters, &["keyId"]).and_then(|k| key_arn(ev, k));
    let mut found: Vec<Located> = named.into_iter().collect();
    if found.is_empty() {
        push_new(&mut found, resource_keys(ev));
    }
    if found.is_empty() {
        Err("requestParameters.keyId is missing or an alias, and resources lists no key ARN".to_string())
    } else {
        Ok(found)
    }
}

fn replica(ev: &ApiCallEvent) -> Found {
    let arn = first(&ev.response_elements, &["replicaKeyMetadata.arn"])
        .ok_or_else(|| "responseElements.replicaKeyMetadata.arn is missing".to_string())?;
    Ok(vec![Located::in_arn_region(arn.to_string(), &ev.region)])
}

fn alias_keys(ev: &ApiCallEvent) -> Found {
    let mut found: Vec<Located> =
        strings_at(&ev.request_parameters, "targetKeyId").into_iter().filter_map(|k| key_arn(ev, k)).collect();
    push_new(&mut found, resource_keys(ev));
    if found.is_empty() {
        Err("requestParameters.targetKeyId is missing and resources lists no key ARN".to_string())
    } else {
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, region, unresolvable, ACCOUNT};
    use serde_json::json;

    fn id(region_name: &str, key: &str) -> String {
        arn::regional("kms", &region(region_name), ACCOUNT, &format!("key/{key}"))
    }

    #[test]
    fn a_created_key_is_named_by_its_arn() {
        check(
            &fixture("kms_create_key.json"),
            &[(KEY, "eu-west-1", &id("eu-west-1", "1234abcd-12ab-34cd-56ef-1234567890ab"))],
        );
    }

    #[test]
    fn a_key_id_becomes_the_key_arn() {
        let e = event(KMS, "DisableKeyRotation", json!({"keyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}), json!(null));
        check(&e, &[(KEY, "us-east-1", &id("us-east-1", "1234abcd-12ab-34cd-56ef-1234567890ab"))]);
        let by_arn = event(
            KMS,
            "ScheduleKeyDeletion",
            json!({"keyId": id("eu-west-1", "k"), "pendingWindowInDays": 7}),
            json!(null),
        );
        check(&by_arn, &[(KEY, "eu-west-1", &id("eu-west-1", "k"))]);
    }

    #[test]
    fn an_alias_resolves_through_the_event_resources() {
        check(
            &fixture("kms_delete_alias.json"),
            &[(KEY, "us-east-1", &id("us-east-1", "1234abcd-12ab-34cd-56ef-1234567890ab"))],
        );
        let mut by_alias =
            event(KMS, "PutKeyPolicy", json!({"keyId": "alias/app", "policyName": "default"}), json!(null));
        assert!(unresolvable(&by_alias).contains("alias"));
        by_alias.resource_arns = vec![id("us-east-1", "k1")];
        check(&by_alias, &[(KEY, "us-east-1", &id("us-east-1", "k1"))]);
    }

    #[test]
    fn an_alias_moving_rescans_both_keys() {
        let mut e = event(KMS, "UpdateAlias", json!({"aliasName": "alias/app", "targetKeyId": "k2"}), json!(null));
        e.resource_arns =
            vec!["arn:aws:kms:us-east-1:111122223333:alias/app".into(), id("us-east-1", "k1"), id("us-east-1", "k2")];
        check(&e, &[(KEY, "us-east-1", &id("us-east-1", "k1")), (KEY, "us-east-1", &id("us-east-1", "k2"))]);
    }

    #[test]
    fn a_replica_lives_in_its_own_region() {
        let e = event(
            KMS,
            "ReplicateKey",
            json!({"keyId": "mrk-1", "replicaRegion": "ap-south-1"}),
            json!({"replicaKeyMetadata": {"arn": id("ap-south-1", "mrk-1")}}),
        );
        check(&e, &[(KEY, "ap-south-1", &id("ap-south-1", "mrk-1"))]);
    }
}
