//! AWS Organizations events. Every Organizations ARN holds the organization id
//! (`arn:aws:organizations::{management account}:ou/o-abc/ou-...`), which most events do not carry
//! (`MoveAccount`, `AttachPolicy` name only account, OU and policy ids), and the collector's fetch
//! of an account or OU matches the full ARN. So every event recollects the organization, in the
//! management account where the events are delivered.

use super::table::{rule, Change::*, EventRule, Locator};

const ORGANIZATIONS: &str = "organizations.amazonaws.com";

const ORGANIZATION: &str = "AWS.Organizations.Organization";
const ACCOUNT: &str = "AWS.Organizations.Account";
const UNIT: &str = "AWS.Organizations.OrganizationalUnit";
const POLICY: &str = "AWS.Organizations.Policy";

const WHOLE_ORGANIZATION: Locator = Locator::recollect(
    "none: the events lack the organization id every Organizations ARN holds, so the Organizations collector \
     runs again for the management account",
);

pub(super) const RULES: &[EventRule] = &[
    rule(ORGANIZATIONS, "CreateOrganization", ORGANIZATION, Create, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DeleteOrganization", ORGANIZATION, Delete, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "EnableAllFeatures", ORGANIZATION, Modify, WHOLE_ORGANIZATION),
    // Policy types are enabled on a root: the organization's and the root's records list them.
    rule(ORGANIZATIONS, "EnablePolicyType", ORGANIZATION, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "EnablePolicyType", UNIT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DisablePolicyType", ORGANIZATION, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DisablePolicyType", UNIT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "CreateAccount", ACCOUNT, Create, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "MoveAccount", ACCOUNT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "CloseAccount", ACCOUNT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "RemoveAccountFromOrganization", ACCOUNT, Delete, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "CreateOrganizationalUnit", UNIT, Create, WHOLE_ORGANIZATION),
    // A renamed OU changes the path of every account below it.
    rule(ORGANIZATIONS, "UpdateOrganizationalUnit", UNIT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "UpdateOrganizationalUnit", ACCOUNT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DeleteOrganizationalUnit", UNIT, Delete, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "CreatePolicy", POLICY, Create, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "UpdatePolicy", POLICY, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DeletePolicy", POLICY, Delete, WHOLE_ORGANIZATION),
    // An attachment shows on the policy (its targets) and on the target (root, OU or account).
    rule(ORGANIZATIONS, "AttachPolicy", POLICY, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "AttachPolicy", UNIT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "AttachPolicy", ACCOUNT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DetachPolicy", POLICY, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DetachPolicy", UNIT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "DetachPolicy", ACCOUNT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "TagResource", UNIT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "TagResource", ACCOUNT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "UntagResource", UNIT, Modify, WHOLE_ORGANIZATION),
    rule(ORGANIZATIONS, "UntagResource", ACCOUNT, Modify, WHOLE_ORGANIZATION),
];

#[cfg(test)]
mod tests {
    use crate::aws::events::testing::{fixture, ACCOUNT};
    use crate::aws::events::{interpret, Interpretation, Recollection};
    use crate::aws::AwsService;
    use palisade_model::{AccountId, Region};

    #[test]
    fn moving_an_account_recollects_the_organization_once() {
        // Three rules apply to AttachPolicy-like events; one recollection results.
        let e = fixture("organizations_move_account.json");
        let expected = Recollection {
            service: AwsService::Organizations,
            account_id: AccountId::new(ACCOUNT).unwrap(),
            region: Region::global(),
        };
        assert_eq!(interpret(&e), Interpretation::Recollect(vec![expected.clone()]));
        let mut attach = e.clone();
        attach.event_name = "AttachPolicy".into();
        assert_eq!(interpret(&attach), Interpretation::Recollect(vec![expected]));
    }
}
