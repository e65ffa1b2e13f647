//! The organization as its management account sees it: whether this account manages one
//! (DescribeOrganization), and its tree of roots, OUs and accounts walked from the roots down,
//! with the name paths ("Root/Workloads/Prod") policies and `source discover` read.

use crate::aws::error::{api_error, error_code};
use crate::aws::AwsContext;
use crate::CollectError;
use aws_sdk_organizations::types::{Account, Organization, OrganizationalUnit, PolicyTypeSummary, Root};
use futures::stream::{self, StreamExt};
use palisade_model::Region;
use std::collections::{BTreeMap, BTreeSet};

pub(super) const SERVICE: &str = "organizations";

/// What DescribeOrganization says about the account being scanned.
#[derive(Debug)]
pub(super) enum Membership {
    /// In no organization (`AWSOrganizationsNotInUseException`).
    None,
    /// A member account: only the management account can list the organization.
    Member(Organization),
    /// The organization's management account.
    Management(Organization),
}

/// DescribeOrganization, compared with the account the credentials reach.
pub(super) async fn membership(
    ctx: &AwsContext,
    client: &aws_sdk_organizations::Client,
) -> Result<Membership, CollectError> {
    match client.describe_organization().send().await {
        Ok(out) => Ok(classify(ctx.account_id().as_str(), out.organization)),
        Err(e) if error_code(&e) == Some("AWSOrganizationsNotInUseException") => Ok(Membership::None),
        Err(e) => Err(api_error(SERVICE, Region::GLOBAL, "DescribeOrganization", e)),
    }
}

fn classify(account_id: &str, org: Option<Organization>) -> Membership {
    match org {
        None => Membership::None,
        Some(org) if org.master_account_id() == Some(account_id) => Membership::Management(org),
        Some(org) => Membership::Member(org),
    }
}

/// A root or an OU.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub id: String,
    pub arn: Option<String>,
    pub name: String,
    /// `None` for a root.
    pub parent_id: Option<String>,
    /// The policy types enabled in a root (`Some` for roots only).
    pub policy_types: Option<Vec<PolicyTypeSummary>>,
}

impl Node {
    pub(super) fn root(root: &Root) -> Option<Self> {
        Some(Self {
            id: root.id()?.to_string(),
            arn: root.arn().map(str::to_string),
            name: root.name().unwrap_or_default().to_string(),
            parent_id: None,
            policy_types: Some(root.policy_types().to_vec()),
        })
    }

    pub(super) fn unit(ou: &OrganizationalUnit, parent_id: &str) -> Option<Self> {
        Some(Self {
            id: ou.id()?.to_string(),
            arn: ou.arn().map(str::to_string),
            name: ou.name().unwrap_or_default().to_string(),
            parent_id: Some(parent_id.to_string()),
            policy_types: None,
        })
    }

    pub(super) fn is_root(&self) -> bool {
        self.parent_id.is_none()
    }
}

/// Every root, OU and account, each account with the root or OU directly containing it.
#[derive(Debug, Default)]
pub(super) struct OrgTree {
    pub nodes: BTreeMap<String, Node>,
    /// `(parent id, account)`, in the order they were listed.
    pub accounts: Vec<(String, Account)>,
}

impl OrgTree {
    /// Names from the root down to `id` joined by `/` ("Root/Workloads/Prod"); an unknown id has
    /// an empty path. Bounded by the node count, so a malformed answer cannot loop forever.
    pub(super) fn path(&self, id: &str) -> String {
        let mut names = Vec::new();
        let mut cur = self.nodes.get(id);
        while let Some(node) = cur {
            if names.len() > self.nodes.len() {
                break;
            }
            names.push(node.name.as_str());
            cur = node.parent_id.as_deref().and_then(|p| self.nodes.get(p));
        }
        names.reverse();
        names.join("/")
    }

    /// The name of the root or OU `id` (empty if unknown).
    pub(super) fn name(&self, id: &str) -> &str {
        self.nodes.get(id).map(|n| n.name.as_str()).unwrap_or_default()
    }

    fn add_account(&mut self, parent_id: &str, account: Account, seen: &mut BTreeSet<String>) {
        if account.id().is_some_and(|id| seen.insert(id.to_string())) {
            self.accounts.push((parent_id.to_string(), account));
        }
    }
}

/// The OUs and accounts directly under one parent.
struct Children {
    parent_id: String,
    units: Vec<OrganizationalUnit>,
    accounts: Vec<Account>,
}

/// Walks the tree level by level: ListRoots, then ListOrganizationalUnitsForParent and
/// ListAccountsForParent for every parent of a level (concurrently, bounded). Any failed listing
/// fails the walk: a partial tree would hide accounts and give wrong paths.
pub(super) async fn walk(ctx: &AwsContext, client: &aws_sdk_organizations::Client) -> Result<OrgTree, CollectError> {
    let mut tree = OrgTree::default();
    let mut level = Vec::new();
    let mut pages = client.list_roots().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error(SERVICE, Region::GLOBAL, "ListRoots", e))?;
        for node in page.roots().iter().filter_map(Node::root) {
            level.push(node.id.clone());
            tree.nodes.insert(node.id.clone(), node);
        }
    }
    let mut seen_accounts = BTreeSet::new();
    while !level.is_empty() {
        let results: Vec<Result<Children, CollectError>> = stream::iter(std::mem::take(&mut level))
            .map(|parent| children(client, parent))
            .buffer_unordered(ctx.item_concurrency())
            .collect()
            .await;
        for children in results {
            let children = children?;
            for node in children.units.iter().filter_map(|ou| Node::unit(ou, &children.parent_id)) {
                // An OU already seen is not walked twice (the tree is a tree; this keeps it so).
                if !tree.nodes.contains_key(&node.id) {
                    level.push(node.id.clone());
                    tree.nodes.insert(node.id.clone(), node);
                }
            }
            for account in children.accounts {
                tree.add_account(&children.parent_id, account, &mut seen_accounts);
            }
        }
    }
    Ok(tree)
}

async fn children(client: &aws_sdk_organizations::Client, parent_id: String) -> Result<Children, CollectError> {
    let mut units = Vec::new();
    let mut pages = client.list_organizational_units_for_parent().parent_id(&parent_id).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error(SERVICE, Region::GLOBAL, "ListOrganizationalUnitsForParent", e))?;
        units.extend(page.organizational_units.unwrap_or_default());
    }
    let mut accounts = Vec::new();
    let mut pages = client.list_accounts_for_parent().parent_id(&parent_id).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| api_error(SERVICE, Region::GLOBAL, "ListAccountsForParent", e))?;
        accounts.extend(page.accounts.unwrap_or_default());
    }
    Ok(Children { parent_id, units, accounts })
}

#[cfg(test)]
pub(super) mod fixtures {
    //! A small tree: Root > Workloads > Prod, Root > Sandbox; accounts in Prod and in the root.

    use super::*;

    pub(in crate::aws::organizations) fn account(id: &str, name: &str) -> Account {
        Account::builder()
            .id(id)
            .arn(format!("arn:aws:organizations::111111111111:account/o-abc/{id}"))
            .name(name)
            .email(format!("{name}@example.com"))
            .status(aws_sdk_organizations::types::AccountStatus::Active)
            .build()
    }

    pub(in crate::aws::organizations) fn tree() -> OrgTree {
        let root =
            Root::builder().id("r-ab12").arn("arn:aws:organizations::111111111111:root/o-abc/r-ab12").name("Root");
        let ou = |id: &str, name: &str| {
            OrganizationalUnit::builder()
                .id(id)
                .arn(format!("arn:aws:organizations::111111111111:ou/o-abc/{id}"))
                .name(name)
                .build()
        };
        let mut tree = OrgTree::default();
        let mut seen = BTreeSet::new();
        for node in [
            Node::root(&root.build()),
            Node::unit(&ou("ou-ab12-workload", "Workloads"), "r-ab12"),
            Node::unit(&ou("ou-ab12-prod0001", "Prod"), "ou-ab12-workload"),
            Node::unit(&ou("ou-ab12-sandbox1", "Sandbox"), "r-ab12"),
        ]
        .into_iter()
        .flatten()
        {
            tree.nodes.insert(node.id.clone(), node);
        }
        tree.add_account("ou-ab12-prod0001", account("222222222222", "shop-prod"), &mut seen);
        tree.add_account("r-ab12", account("111111111111", "management"), &mut seen);
        // Listed twice (a retried page, say): kept once.
        tree.add_account("r-ab12", account("111111111111", "management"), &mut seen);
        tree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_every_level_from_the_root() {
        let tree = fixtures::tree();
        assert_eq!(tree.path("r-ab12"), "Root");
        assert_eq!(tree.path("ou-ab12-workload"), "Root/Workloads");
        assert_eq!(tree.path("ou-ab12-prod0001"), "Root/Workloads/Prod");
        assert_eq!(tree.path("ou-unknown"), "");
        assert_eq!(tree.name("ou-ab12-sandbox1"), "Sandbox");
        assert_eq!(tree.accounts.len(), 2);
    }

    #[test]
    fn a_cycle_in_the_answer_does_not_loop() {
        let mut tree = fixtures::tree();
        if let Some(w) = tree.nodes.get_mut("ou-ab12-workload") {
            w.parent_id = Some("ou-ab12-prod0001".into());
        }
        assert!(!tree.path("ou-ab12-prod0001").is_empty());
    }

    #[test]
    fn classifies_the_caller() {
        let org = Organization::builder().id("o-abc").master_account_id("111111111111").build();
        assert!(matches!(classify("111111111111", Some(org.clone())), Membership::Management(_)));
        assert!(matches!(classify("222222222222", Some(org)), Membership::Member(_)));
        assert!(matches!(classify("222222222222", None), Membership::None));
    }
}
