//! The event table (one rule per event and resource type it touches, declared per service in the
//! sibling files), how an event is read against it, and the table as documentation.

use super::locate::{Found, Located};
use super::{account, cloudtrail, ec2, efs, iam, kms, monitoring, organizations, rds, s3, settings, ApiCallEvent};
use crate::aws::{AwsService, Scope};
use palisade_model::{AccountId, Region, ResourceId, ResourceRef};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

/// What an event does to the resources of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    Create,
    Modify,
    Delete,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Modify => "modify",
            Self::Delete => "delete",
        }
    }
}

/// One row of the table: the event `event_name` from `event_source` touches resources of
/// `resource_type`. The same event may have several rows, one per type it touches.
#[derive(Debug, Clone, Copy)]
pub struct EventRule {
    pub event_source: &'static str,
    pub event_name: &'static str,
    pub resource_type: &'static str,
    pub change: Change,
    locator: Locator,
}

impl EventRule {
    /// Where the rule finds its resources in the event, in words (the documentation's column).
    pub fn found_from(&self) -> &'static str {
        self.locator.from
    }
}

/// How a rule finds its resources, and that in words.
#[derive(Debug, Clone, Copy)]
pub(super) struct Locator {
    find: Find,
    from: &'static str,
}

#[derive(Debug, Clone, Copy)]
enum Find {
    /// The resources named by the event.
    Refs(fn(&ApiCallEvent) -> Found),
    /// The event changes resources it does not name (an account-wide setting copied into every
    /// bucket, a flow log named only by its own id): the type's collector runs again.
    Recollect,
}

impl Locator {
    pub(super) const fn refs(find: fn(&ApiCallEvent) -> Found, from: &'static str) -> Self {
        Self { find: Find::Refs(find), from }
    }

    pub(super) const fn recollect(from: &'static str) -> Self {
        Self { find: Find::Recollect, from }
    }
}

pub(super) const fn rule(
    event_source: &'static str,
    event_name: &'static str,
    resource_type: &'static str,
    change: Change,
    locator: Locator,
) -> EventRule {
    EventRule { event_source, event_name, resource_type, change, locator }
}

static RULES: LazyLock<Vec<EventRule>> = LazyLock::new(|| {
    [
        s3::RULES,
        ec2::RULES,
        iam::RULES,
        kms::RULES,
        cloudtrail::RULES,
        rds::RULES,
        efs::RULES,
        settings::RULES,
        monitoring::RULES,
        account::RULES,
        organizations::RULES,
    ]
    .concat()
});

/// Every rule, grouped by service.
pub fn rules() -> &'static [EventRule] {
    &RULES
}

/// What to do with one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interpretation {
    /// A read: ignored.
    ReadOnly,
    /// The call failed (its `errorCode`): ignored.
    Failed(String),
    /// A valid write event that touches nothing Palisade collects (no rule for it, or its rules
    /// name nothing, such as tags set on a subnet): dropped and counted, not dead-lettered.
    Unmapped,
    /// A rule applies but the event lacks what it needs to name the resource: dead-lettered. The
    /// reason says which field, without the event's source and name.
    Unresolvable(String),
    /// Fetch each resource again (`AwsService::for_type(type).fetch`): `Some` is upserted, `None`
    /// marks the stored one deleted. Deduplicated, never empty.
    Rescan(Vec<ResourceRef>),
    /// The event changes resources it cannot name: run each service's collector again for the
    /// account (in the region given for a regional service), as that part of a scan would,
    /// unseen resources of its types included. Deduplicated, never empty, and never produced
    /// together with refs (a test holds the table to that).
    Recollect(Vec<Recollection>),
}

/// One service's collection to run again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Recollection {
    pub service: AwsService,
    pub account_id: AccountId,
    /// The event's region for a regional service, `global` for the others (their collectors
    /// ignore it).
    pub region: Region,
}

/// Reads one event against the table.
pub fn interpret(event: &ApiCallEvent) -> Interpretation {
    if event.read_only {
        return Interpretation::ReadOnly;
    }
    if let Some(code) = &event.error_code {
        return Interpretation::Failed(code.clone());
    }
    let matching = rules().iter().filter(|r| r.event_source == event.event_source && r.event_name == event.event_name);
    let mut refs: Vec<ResourceRef> = Vec::new();
    let mut recollections: Vec<Recollection> = Vec::new();
    let mut any_rule = false;
    for rule in matching {
        any_rule = true;
        match rule.locator.find {
            Find::Refs(find) => match find(event) {
                Ok(found) => {
                    for Located { region, id } in found {
                        let Ok(id) = ResourceId::new(id) else {
                            return unresolvable("a rule found an empty resource id");
                        };
                        let r = ResourceRef {
                            resource_type: rule.resource_type.to_string(),
                            account_id: event.account_id.clone(),
                            region,
                            id,
                        };
                        if !refs.contains(&r) {
                            refs.push(r);
                        }
                    }
                }
                Err(reason) => return unresolvable(&reason),
            },
            Find::Recollect => {
                // A rule naming an undeclared type is caught by a test; skipping it keeps the
                // event from failing here.
                let Some(service) = AwsService::for_type(rule.resource_type) else { continue };
                let region = match service.spec().scope {
                    Scope::Regional => event.region.clone(),
                    Scope::Global | Scope::GlobalListingRegionalResources => Region::global(),
                };
                let r = Recollection { service, account_id: event.account_id.clone(), region };
                if !recollections.contains(&r) {
                    recollections.push(r);
                }
            }
        }
    }
    if !any_rule {
        Interpretation::Unmapped
    } else if !recollections.is_empty() {
        Interpretation::Recollect(recollections)
    } else if refs.is_empty() {
        Interpretation::Unmapped
    } else {
        Interpretation::Rescan(refs)
    }
}

/// The reason alone: the engine prefixes the event's source and name when it dead-letters.
fn unresolvable(reason: &str) -> Interpretation {
    Interpretation::Unresolvable(reason.to_string())
}

/// The table as Markdown: the content of `docs/realtime-events.md`.
pub fn rules_markdown() -> String {
    let mut by_source: BTreeMap<&str, Vec<&EventRule>> = BTreeMap::new();
    for r in rules() {
        by_source.entry(r.event_source).or_default().push(r);
    }
    let mut out = String::from(INTRO);
    for (source, mut rows) in by_source {
        rows.sort_by_key(|r| (r.event_name, r.resource_type));
        let _ = write!(out, "\n### `{source}`\n\n| Event | Resource type | Change | Resources found from |\n");
        out.push_str("| --- | --- | --- | --- |\n");
        for r in rows {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                r.event_name,
                r.resource_type,
                r.change.as_str(),
                r.locator.from.replace('|', "\\|")
            );
        }
    }
    out
}

const INTRO: &str = "# Real-time events

<!-- Generated from the event table in `crates/collect/src/aws/events/` (`rules_markdown()`). \
Do not edit: a test fails when this file differs. Regenerate it with \
`PALISADE_WRITE_DOCS=1 cargo test -p palisade-collect --lib events::table`. -->

In each source account an EventBridge rule forwards CloudTrail management write events
(`detail-type` \"AWS API Call via CloudTrail\") to Palisade's SQS queue. Events of global services
(IAM, Organizations) are delivered in `us-east-1` only. The server reads each message body with
`parse_event` and `interpret`s it against the table below:

- **read-only** (`readOnly` true, or a `Get`/`List`/`Describe` name) and **failed** calls
  (an `errorCode`) are ignored;
- an event with no rule, or whose rules name nothing Palisade collects (tags on a subnet), is
  **unmapped**: dropped and counted;
- an event a rule applies to but that lacks the field the rule needs is **unresolvable** and goes
  to the dead-letter table with the reason;
- otherwise every resource the event's rules name is **rescanned**: fetched again by its
  collector, upserted if it exists and marked deleted if not;
- a few events change resources they cannot name (the account-level S3 public access block is
  copied into every bucket, a flow log deletion names only the flow log, and Organizations events
  rarely carry the organization id every Organizations ARN holds): the service's collector is run
  again for the account (**recollect**).

A message that is not JSON, not an EventBridge CloudTrail event, of another `detail-type`, or over
the size limit (256 KiB by default) is refused by `parse_event` with the reason.

Ids are built exactly as the collectors build them. Where the event lacks part of an id, the rule
builds the id the collector's fetch still resolves, and the engine matches a stored resource by
(type, account, name) when the id differs:

- IAM users, groups, roles and server certificates named only by name get an ARN without their
  path (`arn:aws:iam::{account}:user/{name}`); IAM fetches by name. Where the response holds the
  full ARN (`CreateUser`, `CreateRole`, ...) that is used.
- An access key or MFA change that names no user acts on the caller: the root user when the
  caller is root, else the calling IAM user.
- KMS aliases are resolved through the key ARNs CloudTrail lists in the event's `resources`.

Known gaps, closed by the next scheduled scan: a user's record embeds its groups' policies, but a
group policy change rescans the group, not its members; `CreateVpc` does not name the default
security group and network ACL it creates; `ReplaceNetworkAclAssociation` does not name the ACL
that lost the subnet; `CreateAccount` completes after its event, so the recollection it triggers
may not see the new account yet.

## Rules
";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn declared_types() -> BTreeSet<&'static str> {
        AwsService::ALL.into_iter().flat_map(|s| s.spec().resource_types.iter().copied()).collect()
    }

    #[test]
    fn every_collected_type_is_created_or_changed_by_some_event() {
        let refreshed: BTreeSet<&str> = rules()
            .iter()
            .filter(|r| matches!(r.change, Change::Create | Change::Modify))
            .map(|r| r.resource_type)
            .collect();
        let missing: Vec<_> = declared_types().into_iter().filter(|t| !refreshed.contains(t)).collect();
        assert!(missing.is_empty(), "no event creates or modifies {missing:?}");
    }

    #[test]
    fn every_rule_names_a_collected_type() {
        let declared = declared_types();
        for r in rules() {
            assert!(
                declared.contains(r.resource_type),
                "{} {} names {}",
                r.event_source,
                r.event_name,
                r.resource_type
            );
        }
    }

    #[test]
    fn rules_are_unique_writes_and_never_mix_refs_with_recollection() {
        let mut seen = BTreeSet::new();
        let mut kinds: BTreeMap<(&str, &str), bool> = BTreeMap::new();
        for r in rules() {
            assert!(seen.insert((r.event_source, r.event_name, r.resource_type)), "duplicate rule {r:?}");
            assert!(r.event_source.ends_with(".amazonaws.com"), "{r:?}");
            assert!(!r.locator.from.is_empty(), "{r:?}");
            // A name the parser reads as a read would never reach the table.
            let parsed = super::super::parse_event(&envelope_for(r), usize::MAX).expect("envelope");
            assert!(!parsed.read_only, "{} is read-only by name", r.event_name);
            let recollects = matches!(r.locator.find, Find::Recollect);
            let previous = kinds.insert((r.event_source, r.event_name), recollects);
            assert!(
                previous.is_none_or(|p| p == recollects),
                "{} {} mixes refs and recollection",
                r.event_source,
                r.event_name
            );
        }
    }

    fn envelope_for(r: &EventRule) -> String {
        serde_json::json!({
            "detail-type": "AWS API Call via CloudTrail",
            "account": "111122223333",
            "region": "us-east-1",
            "detail": {
                "eventID": "e", "eventTime": "2024-05-02T10:15:00Z",
                "eventSource": r.event_source, "eventName": r.event_name,
            },
        })
        .to_string()
    }

    #[test]
    fn the_documentation_is_the_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/realtime-events.md");
        let expected = rules_markdown();
        if std::env::var_os("PALISADE_WRITE_DOCS").is_some() {
            std::fs::write(&path, &expected).expect("write docs/realtime-events.md");
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        if actual != expected {
            let shorter = actual.lines().count().min(expected.lines().count());
            let line = actual.lines().zip(expected.lines()).position(|(a, b)| a != b).unwrap_or(shorter) + 1;
            panic!(
                "docs/realtime-events.md is stale (first difference near line {line}): regenerate it with \
                 `PALISADE_WRITE_DOCS=1 cargo test -p palisade-collect --lib events::table`"
            );
        }
    }

    #[test]
    fn the_documentation_lists_every_rule() {
        let md = rules_markdown();
        for r in rules() {
            let row = format!("| `{}` | `{}` | {} |", r.event_name, r.resource_type, r.change.as_str());
            assert!(md.contains(&row), "missing row {row}");
        }
    }
}
