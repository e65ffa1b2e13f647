//! `AWS.Account`: the account-wide facts no single IAM entity holds. The AWS Account Management
//! events are here; the IAM events that change who holds AWSSupportAccess are in `iam.rs`.

use super::locate::{first, Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn::partition;

const ACCOUNT_SERVICE: &str = "account.amazonaws.com";
const ACCOUNT: &str = "AWS.Account";

const THIS_ACCOUNT: Locator = Locator::refs(
    this_account,
    "the account's one resource, `arn:aws:iam::{account}:account`; none when `requestParameters.accountId` names \
     another account (a management account acting for a member). The account collector does not read alternate \
     contacts yet, so today the rescan finds the record unchanged",
);

pub(super) const RULES: &[EventRule] = &[
    rule(ACCOUNT_SERVICE, "PutAlternateContact", ACCOUNT, Modify, THIS_ACCOUNT),
    rule(ACCOUNT_SERVICE, "DeleteAlternateContact", ACCOUNT, Modify, THIS_ACCOUNT),
];

/// The account collector's id: `arn:{partition}:iam::{account}:account`.
pub(super) fn support_account(ev: &ApiCallEvent) -> Located {
    Located::global(format!("arn:{}:iam::{}:account", partition(&ev.region), ev.account_id))
}

fn this_account(ev: &ApiCallEvent) -> Found {
    match first(&ev.request_parameters, &["accountId"]) {
        Some(other) if other != ev.account_id.as_str() => Ok(Vec::new()),
        _ => Ok(vec![support_account(ev)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture};
    use crate::aws::events::{interpret, Interpretation};
    use serde_json::json;

    #[test]
    fn an_alternate_contact_rescans_the_account() {
        check(
            &fixture("account_put_alternate_contact.json"),
            &[(ACCOUNT, "global", "arn:aws:iam::111122223333:account")],
        );
    }

    #[test]
    fn a_contact_set_for_a_member_account_touches_nothing_here() {
        let e = event(
            ACCOUNT_SERVICE,
            "DeleteAlternateContact",
            json!({"accountId": "444455556666", "alternateContactType": "SECURITY"}),
            json!(null),
        );
        assert_eq!(interpret(&e), Interpretation::Unmapped);
        let own = event(ACCOUNT_SERVICE, "DeleteAlternateContact", json!({"accountId": "111122223333"}), json!(null));
        check(&own, &[(ACCOUNT, "global", "arn:aws:iam::111122223333:account")]);
    }
}
