//! Sources from an AWS Organization (`palisade source discover --org`): the organization's accounts
//! with their place in the OU tree, read from the management account, and the pure plan that turns
//! them into sources (a unique name, a label, the role to assume) or says why an account is skipped.
//!
//! Nothing here writes anything: the caller adds the planned sources (with their ExternalIds).

use super::tree::{self, Membership, OrgTree};
use crate::aws::AwsContext;
use crate::CollectError;
use palisade_model::{AccountId, Source};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One account of the organization and where it sits in the OU tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAccount {
    pub account_id: String,
    pub name: String,
    pub arn: Option<String>,
    pub email: Option<String>,
    /// `State` (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, ...), or the older `Status` when AWS
    /// does not return a state.
    pub state: String,
    /// The root or OU directly containing the account.
    pub parent_id: String,
    pub parent_name: String,
    /// Names from the root down to the parent: `Root/Workloads/Prod`.
    pub ou_path: String,
}

/// What the credentials' account can tell about its organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgDiscovery {
    NotInOrganization,
    /// A member account: only the management account lists the organization's accounts.
    Member {
        organization_id: String,
        management_account_id: String,
    },
    Management {
        organization_id: String,
        accounts: Vec<OrgAccount>,
    },
}

/// Lists the organization's accounts with their OU paths (DescribeOrganization, then the OU tree
/// walked with ListRoots, ListOrganizationalUnitsForParent and ListAccountsForParent).
pub async fn discover_organization(ctx: &AwsContext) -> Result<OrgDiscovery, CollectError> {
    let client = ctx.organizations();
    Ok(match tree::membership(ctx, &client).await? {
        Membership::None => OrgDiscovery::NotInOrganization,
        Membership::Member(org) => OrgDiscovery::Member {
            organization_id: org.id().unwrap_or_default().to_string(),
            management_account_id: org.master_account_id().unwrap_or_default().to_string(),
        },
        Membership::Management(org) => {
            let tree = tree::walk(ctx, &client).await?;
            OrgDiscovery::Management {
                organization_id: org.id().unwrap_or_default().to_string(),
                accounts: org_accounts(&tree),
            }
        }
    })
}

/// The tree's accounts, ordered by OU path, then name, then id.
fn org_accounts(tree: &OrgTree) -> Vec<OrgAccount> {
    let mut accounts: Vec<OrgAccount> = tree
        .accounts
        .iter()
        .filter_map(|(parent, a)| {
            Some(OrgAccount {
                account_id: a.id()?.to_string(),
                name: a.name().unwrap_or_default().to_string(),
                arn: a.arn().map(str::to_string),
                email: a.email().map(str::to_string),
                state: a
                    .state()
                    .map(|s| s.as_str())
                    .or(a.status().map(|s| s.as_str()))
                    .unwrap_or("UNKNOWN")
                    .to_string(),
                parent_id: parent.clone(),
                parent_name: tree.name(parent).to_string(),
                ou_path: tree.path(parent),
            })
        })
        .collect();
    accounts.sort_by(|a, b| (&a.ou_path, &a.name, &a.account_id).cmp(&(&b.ou_path, &b.name, &b.account_id)));
    accounts
}

/// Where each new source's label comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelRule {
    /// The name of the OU (or root) directly containing the account.
    FromOu,
    Mapping(LabelMapping),
}

/// Labels by account id or OU path, read from a mapping file.
///
/// Keys are 12-digit account ids, OU paths (`Root/Workloads/Prod`, which also cover the OUs below
/// them) or `*` (every other account). An account takes the label of its id, else of the longest
/// path that is its OU path or an ancestor of it, else of `*`; with none, it is skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMapping {
    accounts: BTreeMap<String, String>,
    paths: BTreeMap<String, String>,
    default: Option<String>,
}

/// A mapping file that could not be read; `line` is 1-based (0 when unknown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct MappingError {
    pub line: usize,
    pub message: String,
}

fn mapping_error(line: usize, message: impl Into<String>) -> MappingError {
    MappingError { line, message: message.into() }
}

impl LabelMapping {
    /// Reads a mapping: a JSON object of strings, or YAML with one `key: label` per line (comments,
    /// blank lines, a leading `---` and quoted keys or labels allowed; nothing nested).
    pub fn parse(text: &str) -> Result<Self, MappingError> {
        let text = text.trim_start_matches('\u{feff}');
        let entries = if text.trim_start().starts_with('{') {
            let map: BTreeMap<String, String> =
                serde_json::from_str(text).map_err(|e| mapping_error(e.line(), e.to_string()))?;
            map.into_iter().map(|(k, v)| (0, k, v)).collect()
        } else {
            flat_yaml(text)?
        };
        let mut mapping = Self::default();
        for (line, key, label) in entries {
            let (key, label) = (key.trim(), label.trim());
            if label.is_empty() {
                return Err(mapping_error(line, format!("{key:?} has an empty label")));
            }
            let slot = if key == "*" {
                mapping.default.get_or_insert_with(String::new)
            } else if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
                mapping.accounts.entry(key.to_string()).or_default()
            } else {
                let path = key.trim_end_matches('/');
                if path.is_empty() {
                    return Err(mapping_error(line, "an empty key: use an account id, an OU path or *"));
                }
                mapping.paths.entry(path.to_string()).or_default()
            };
            if !slot.is_empty() {
                return Err(mapping_error(line, format!("{key:?} is mapped twice")));
            }
            *slot = label.to_string();
        }
        Ok(mapping)
    }

    /// The label for `account`, if the mapping has one.
    pub fn label_for(&self, account: &OrgAccount) -> Option<&str> {
        if let Some(label) = self.accounts.get(&account.account_id) {
            return Some(label);
        }
        self.paths
            .iter()
            .filter(|(path, _)| {
                account.ou_path == **path
                    || account.ou_path.strip_prefix(path.as_str()).is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|(path, _)| path.len())
            .map(|(_, label)| label.as_str())
            .or(self.default.as_deref())
    }
}

/// `key: value` lines of a flat YAML mapping, with their line numbers.
fn flat_yaml(text: &str) -> Result<Vec<(usize, String, String)>, MappingError> {
    let mut entries = Vec::new();
    let mut started = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if !started && content == "---" {
            started = true;
            continue;
        }
        started = true;
        if content.len() != line.len() {
            return Err(mapping_error(n, "nested values are not supported: write one `key: label` per line"));
        }
        if content.starts_with("- ") || content == "-" {
            return Err(mapping_error(n, "a list is not a mapping: write one `key: label` per line"));
        }
        let (key, rest) = yaml_scalar(content, true).map_err(|m| mapping_error(n, m))?;
        let rest = rest.strip_prefix(':').ok_or_else(|| mapping_error(n, "expected `key: label`"))?;
        if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
            return Err(mapping_error(n, "expected a space after the colon"));
        }
        let rest = rest.trim_start();
        if rest.starts_with(['[', '{', '&', '*', '!', '|', '>']) {
            return Err(mapping_error(n, "only plain or quoted labels are supported"));
        }
        let (label, after) = yaml_scalar(rest, false).map_err(|m| mapping_error(n, m))?;
        let after = after.trim_start();
        if !(after.is_empty() || after.starts_with('#')) {
            return Err(mapping_error(n, "unexpected text after the label"));
        }
        entries.push((n, key, label));
    }
    Ok(entries)
}

/// One scalar at the start of `s` and the rest of the line. A plain key ends at `: ` (or a colon
/// ending the line); a plain label ends at ` #` (a comment) or the end of the line.
fn yaml_scalar(s: &str, is_key: bool) -> Result<(String, &str), String> {
    if let Some(body) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Ok((out, &body[i + 1..])),
                '\\' => match chars.next() {
                    Some((_, '"')) => out.push('"'),
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, '/')) => out.push('/'),
                    _ => return Err("only \\\" \\\\ and \\/ escapes are supported".into()),
                },
                c => out.push(c),
            }
        }
        return Err("unterminated double quote".into());
    }
    if let Some(body) = s.strip_prefix('\'') {
        let mut out = String::new();
        let mut rest = body;
        loop {
            let end = rest.find('\'').ok_or("unterminated single quote")?;
            out.push_str(&rest[..end]);
            rest = &rest[end + 1..];
            match rest.strip_prefix('\'') {
                Some(after) => {
                    out.push('\'');
                    rest = after;
                }
                None => return Ok((out, rest)),
            }
        }
    }
    if is_key {
        let end = s
            .match_indices(':')
            .map(|(i, _)| i)
            .find(|&i| s[i + 1..].is_empty() || s[i + 1..].starts_with([' ', '\t']))
            .ok_or("expected `key: label`")?;
        Ok((s[..end].trim_end().to_string(), &s[end..]))
    } else {
        let end = s.find(" #").or_else(|| s.find("\t#")).unwrap_or(s.len());
        Ok((s[..end].trim_end().to_string(), &s[end..]))
    }
}

/// A source to add for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSource {
    /// Unique among the existing and the other new sources.
    pub name: String,
    pub account_id: AccountId,
    pub account_name: String,
    pub ou_path: String,
    pub label: String,
    pub role_arn: String,
}

/// Why an account does not become a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Already the source of that name.
    AlreadySource(String),
    /// Not `ACTIVE` (suspended, closing, ...).
    NotActive(String),
    /// The mapping has no label for it.
    NoLabel,
    /// Not a 12-digit account id.
    InvalidAccountId,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AlreadySource(name) => write!(f, "already the source {name}"),
            Self::NotActive(state) => write!(f, "account is {state}"),
            Self::NoLabel => f.write_str("no label in the mapping"),
            Self::InvalidAccountId => f.write_str("not a 12-digit account id"),
        }
    }
}

/// What becomes of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovered {
    Add(NewSource),
    Skip { account: OrgAccount, reason: SkipReason },
}

/// Plans a source for every ACTIVE account that is not one yet: named after the account (only
/// `[A-Za-z0-9-_.]`, made unique with the account id), labelled by `labels`, assuming
/// `arn:<partition>:iam::<account>:role/<role_name>`. Accounts are taken in the given order.
pub fn discovered_sources(
    accounts: &[OrgAccount],
    role_name: &str,
    labels: &LabelRule,
    existing: &[Source],
) -> Vec<Discovered> {
    let by_account: BTreeMap<&str, &str> = existing.iter().map(|s| (s.account_id.as_str(), s.name.as_str())).collect();
    let mut taken: BTreeSet<String> = existing.iter().map(|s| s.name.clone()).collect();
    let mut planned = Vec::new();
    for account in accounts {
        let skip = |reason| Discovered::Skip { account: account.clone(), reason };
        if let Some(name) = by_account.get(account.account_id.as_str()) {
            planned.push(skip(SkipReason::AlreadySource(name.to_string())));
            continue;
        }
        if account.state != "ACTIVE" {
            planned.push(skip(SkipReason::NotActive(account.state.clone())));
            continue;
        }
        let Ok(account_id) = AccountId::new(account.account_id.clone()) else {
            planned.push(skip(SkipReason::InvalidAccountId));
            continue;
        };
        let label = match labels {
            LabelRule::FromOu => Some(account.parent_name.as_str()),
            LabelRule::Mapping(m) => m.label_for(account),
        };
        let Some(label) = label.filter(|l| !l.is_empty()) else {
            planned.push(skip(SkipReason::NoLabel));
            continue;
        };
        let name = unique_name(&base_name(&account.name, &account.account_id), &account.account_id, &taken);
        taken.insert(name.clone());
        let partition = account.arn.as_deref().and_then(|arn| arn.split(':').nth(1)).filter(|p| !p.is_empty());
        planned.push(Discovered::Add(NewSource {
            name,
            role_arn: format!("arn:{}:iam::{account_id}:role/{role_name}", partition.unwrap_or("aws")),
            account_id,
            account_name: account.name.clone(),
            ou_path: account.ou_path.clone(),
            label: label.to_string(),
        }));
    }
    planned
}

const MAX_NAME: usize = 64;

/// The account name with every character outside `[A-Za-z0-9-_.]` turned into `-` (runs of them
/// into one), at most 64 characters; `account-<id>` if nothing is left.
fn base_name(account_name: &str, account_id: &str) -> String {
    let mut name = String::new();
    for c in account_name.chars() {
        let c = if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' };
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    let name: String = name.trim_matches('-').chars().take(MAX_NAME).collect();
    if name.is_empty() {
        format!("account-{account_id}")
    } else {
        name
    }
}

/// `base`, else `base-<account id>`, else that with `-2`, `-3`, ... (all within 64 characters).
fn unique_name(base: &str, account_id: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    let keep = MAX_NAME - account_id.len() - 1;
    let with_id = format!("{}-{account_id}", &base[..base.len().min(keep)]);
    if !taken.contains(&with_id) {
        return with_id;
    }
    (2..)
        .map(|n: u32| {
            let suffix = format!("-{n}");
            format!("{}{suffix}", &with_id[..with_id.len().min(MAX_NAME - suffix.len())])
        })
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(with_id)
}

#[cfg(test)]
mod tests {
    use super::super::tree::fixtures;
    use super::*;

    fn account(id: &str, name: &str, ou_path: &str) -> OrgAccount {
        OrgAccount {
            account_id: id.into(),
            name: name.into(),
            arn: Some(format!("arn:aws:organizations::111111111111:account/o-abc/{id}")),
            email: None,
            state: "ACTIVE".into(),
            parent_id: "ou-x".into(),
            parent_name: ou_path.rsplit('/').next().unwrap_or_default().into(),
            ou_path: ou_path.into(),
        }
    }

    fn source(name: &str, account: &str) -> Source {
        Source {
            name: name.into(),
            account_id: AccountId::new(account).expect("id"),
            label: "Prod".into(),
            role_arn: None,
            external_id: None,
            regions: vec![],
            realtime: false,
            remediation: false,
            enabled: true,
            schedule: palisade_model::DEFAULT_SCHEDULE.into(),
            next_run_at: None,
            created_at: chrono::Utc::now(),
        }
    }

    fn added(plan: &[Discovered]) -> Vec<(String, String, String)> {
        plan.iter()
            .filter_map(|d| match d {
                Discovered::Add(s) => Some((s.name.clone(), s.account_id.to_string(), s.label.clone())),
                Discovered::Skip { .. } => None,
            })
            .collect()
    }

    fn skipped(plan: &[Discovered]) -> Vec<(String, String)> {
        plan.iter()
            .filter_map(|d| match d {
                Discovered::Skip { account, reason } => Some((account.account_id.clone(), reason.to_string())),
                Discovered::Add(_) => None,
            })
            .collect()
    }

    #[test]
    fn accounts_of_the_tree_in_path_order() {
        let accounts = org_accounts(&fixtures::tree());
        let got: Vec<_> =
            accounts.iter().map(|a| (a.account_id.as_str(), a.parent_name.as_str(), a.ou_path.as_str())).collect();
        assert_eq!(got, vec![("111111111111", "Root", "Root"), ("222222222222", "Prod", "Root/Workloads/Prod")]);
        assert_eq!(accounts[1].state, "ACTIVE");
        assert_eq!(accounts[1].email.as_deref(), Some("shop-prod@example.com"));
    }

    #[test]
    fn labels_from_the_containing_ou() {
        let accounts =
            [account("222222222222", "Shop Prod", "Root/Workloads/Prod"), account("333333333333", "sandbox", "Root")];
        let plan = discovered_sources(&accounts, "PalisadeReadOnly", &LabelRule::FromOu, &[]);
        assert_eq!(
            added(&plan),
            vec![
                ("Shop-Prod".into(), "222222222222".into(), "Prod".into()),
                ("sandbox".into(), "333333333333".into(), "Root".into())
            ]
        );
        let Discovered::Add(first) = &plan[0] else { panic!("{plan:?}") };
        assert_eq!(first.role_arn, "arn:aws:iam::222222222222:role/PalisadeReadOnly");
        assert_eq!(first.ou_path, "Root/Workloads/Prod");
    }

    #[test]
    fn skips_existing_inactive_and_unlabelled_accounts() {
        let mut suspended = account("444444444444", "old", "Root/Workloads/Prod");
        suspended.state = "SUSPENDED".into();
        let accounts = [
            account("222222222222", "shop", "Root/Workloads/Prod"),
            suspended,
            account("555555555555", "lab", "Root/Sandbox"),
            account("666666666666", "shop", "Root/Workloads/Dev"),
        ];
        let mapping = LabelMapping::parse("Root/Workloads: Prod\n").expect("mapping");
        let plan =
            discovered_sources(&accounts, "R", &LabelRule::Mapping(mapping), &[source("shop-main", "222222222222")]);
        assert_eq!(added(&plan), vec![("shop".into(), "666666666666".into(), "Prod".into())]);
        assert_eq!(
            skipped(&plan),
            vec![
                ("222222222222".into(), "already the source shop-main".into()),
                ("444444444444".into(), "account is SUSPENDED".into()),
                ("555555555555".into(), "no label in the mapping".into()),
            ]
        );
    }

    #[test]
    fn names_are_sanitised_and_unique() {
        assert_eq!(base_name("Prod: Payments (EU)", "1"), "Prod-Payments-EU");
        assert_eq!(base_name("dév_1.x", "1"), "d-v_1.x");
        assert_eq!(base_name("日本", "222222222222"), "account-222222222222");
        assert_eq!(base_name(&"a".repeat(100), "1").len(), 64);
        let accounts = [
            account("222222222222", "shop", "Root/A"),
            account("333333333333", "shop", "Root/B"),
            account("444444444444", "Shop!", "Root/C"),
        ];
        let existing = [source("Shop", "999999999999")];
        let plan = discovered_sources(&accounts, "R", &LabelRule::FromOu, &existing);
        let names: Vec<_> = added(&plan).into_iter().map(|(n, _, _)| n).collect();
        assert_eq!(names, vec!["shop", "shop-333333333333", "Shop-444444444444"]);
        let long = "x".repeat(64);
        let taken: BTreeSet<String> = [long.clone(), format!("{}-222222222222", &long[..51])].into_iter().collect();
        let name = unique_name(&long, "222222222222", &taken);
        assert_eq!((name.len(), name.ends_with("-2")), (64, true));
        for d in &plan {
            if let Discovered::Add(s) = d {
                let mut src = source(&s.name, s.account_id.as_str());
                src.role_arn = Some(s.role_arn.clone());
                assert_eq!(src.validate(), Ok(()), "{s:?}");
            }
        }
    }

    #[test]
    fn role_arns_follow_the_partition() {
        let mut gov = account("222222222222", "gov", "Root");
        gov.arn = Some("arn:aws-us-gov:organizations::111111111111:account/o-abc/222222222222".into());
        let mut bare = account("333333333333", "bare", "Root");
        bare.arn = None;
        let plan = discovered_sources(&[gov, bare], "Audit", &LabelRule::FromOu, &[]);
        let arns: Vec<_> = plan
            .iter()
            .filter_map(|d| if let Discovered::Add(s) = d { Some(s.role_arn.as_str()) } else { None })
            .collect();
        assert_eq!(arns, vec!["arn:aws-us-gov:iam::222222222222:role/Audit", "arn:aws:iam::333333333333:role/Audit"]);
    }

    #[test]
    fn mapping_precedence() {
        let m = LabelMapping::parse(
            "# labels\n---\nRoot/Workloads: Prod\nRoot/Workloads/Dev/: Dev\n\"222222222222\": Special # one account\n'*': Other\n",
        )
        .expect("mapping");
        let label = |id: &str, path: &str| m.label_for(&account(id, "a", path)).map(str::to_string);
        assert_eq!(label("222222222222", "Root/Workloads/Dev"), Some("Special".into()));
        assert_eq!(label("333333333333", "Root/Workloads/Dev/Team"), Some("Dev".into()));
        assert_eq!(label("333333333333", "Root/Workloads"), Some("Prod".into()));
        assert_eq!(label("333333333333", "Root/WorkloadsX"), Some("Other".into()));
        assert_eq!(label("333333333333", "Root"), Some("Other".into()));
        let json = LabelMapping::parse(r#"{"Root/Sandbox": "Test", "444444444444": "Prod"}"#).expect("json");
        assert_eq!(json.label_for(&account("555555555555", "a", "Root/Sandbox/Lab")), Some("Test"));
        assert_eq!(json.label_for(&account("444444444444", "a", "Root")), Some("Prod"));
        assert_eq!(json.label_for(&account("555555555555", "a", "Root")), None);
    }

    #[test]
    fn the_readme_example_parses() {
        let m = LabelMapping::parse(concat!(
            "# an account id wins, then the longest OU path that is the account's OU or an ancestor of it, then *\n",
            "Root/Workloads: Prod          # Root/Workloads and every OU below it\n",
            "Root/Workloads/Dev: Dev\n",
            "\"123456789012\": Test\n",
            "\"*\": Sandbox                  # every other account (without it, those are skipped)\n",
        ))
        .expect("mapping");
        assert_eq!(m.label_for(&account("123456789012", "a", "Root/Workloads")), Some("Test"));
        assert_eq!(m.label_for(&account("1", "a", "Root/Workloads/Prod")), Some("Prod"));
        assert_eq!(m.label_for(&account("1", "a", "Root/Workloads/Dev")), Some("Dev"));
        assert_eq!(m.label_for(&account("1", "a", "Root")), Some("Sandbox"));
    }

    #[test]
    fn mapping_quotes_and_comments() {
        let m = LabelMapping::parse("'Root/It''s': \"Prod #1\"  # comment\nRoot/A:B: 'x: y'\n").expect("mapping");
        assert_eq!(m.label_for(&account("1", "a", "Root/It's")), Some("Prod #1"));
        assert_eq!(m.label_for(&account("1", "a", "Root/A:B")), Some("x: y"));
    }

    #[test]
    fn mapping_errors_name_the_line() {
        let check = |text: &str, line: usize, needle: &str| {
            let e = LabelMapping::parse(text).expect_err(text);
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.to_string().contains(needle), "{text}: {e}");
        };
        check("Root/A: Prod\nRoot:\n", 2, "empty label");
        check("Root/A: Prod\n  nested: x\n", 2, "nested");
        check("- Root/A\n", 1, "list");
        check("Root/A Prod\n", 1, "key: label");
        check("Root/A: [a, b]\n", 1, "plain or quoted");
        check("Root/A: Prod\nRoot/A/: Dev\n", 2, "mapped twice");
        check("Root/A: \"Prod\n", 1, "unterminated");
        check("Root/A: 'a' b\n", 1, "after the label");
        check("{\"Root\": 1}", 1, "expected a string");
        check("/: Prod\n", 1, "empty key");
    }
}
