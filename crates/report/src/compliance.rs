//! The compliance report: one entry per control of a framework, with a status decided from the
//! current findings of the policies that back the control.
//!
//! Status rules, in order: MANUAL when the benchmark marks the control manual; NOT_APPLICABLE when
//! no current finding exists for any of its policies (nothing was checked); FAIL when any of those
//! findings is FAIL; ERROR when none fails but some could not be evaluated (a policy error, so
//! "all passed" would be a claim we cannot make); PASS when every finding passed.

use crate::error::write_err;
use crate::{Catalog, ReportError};
use chrono::{DateTime, Utc};
use palisade_model::{AccountId, Finding, FindingStatus, Framework, PolicyId, Severity};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ControlStatus {
    Pass,
    Fail,
    Error,
    Manual,
    NotApplicable,
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Error => "ERROR",
            Self::Manual => "MANUAL",
            Self::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

/// A framework's controls judged against the current findings of some accounts.
#[derive(Debug, Clone, Serialize)]
pub struct ComplianceReport {
    pub framework: FrameworkSummary,
    pub generated_at: DateTime<Utc>,
    /// The accounts whose findings the report covers, with their labels.
    pub accounts: Vec<AccountCoverage>,
    pub summary: Summary,
    /// In the framework's order.
    pub controls: Vec<ControlResult>,
    /// The policies named by `controls[].policies`, by id.
    pub policies: BTreeMap<PolicyId, PolicySummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameworkSummary {
    pub id: String,
    pub title: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountCoverage {
    pub account_id: AccountId,
    /// Non-empty labels seen on this account's findings (usually one).
    pub labels: Vec<String>,
}

/// How many controls have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub controls: usize,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub manual: usize,
    pub not_applicable: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlResult {
    pub id: String,
    pub title: String,
    pub section: String,
    pub status: ControlStatus,
    /// The highest severity among the control's failing findings; `None` when nothing fails.
    pub severity: Option<Severity>,
    /// The policies whose `compliance` metadata names this control, by id.
    pub policies: Vec<PolicyId>,
    pub results: Results,
    pub failing_resources: Vec<ResourceResult>,
    /// Resources on which a policy of this control could not be evaluated.
    pub error_resources: Vec<ResourceResult>,
}

/// Current findings of a control's policies, by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Results {
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
}

/// One resource's non-passing verdict under one policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceResult {
    pub resource_id: String,
    pub resource_type: String,
    pub account_id: AccountId,
    pub region: String,
    pub label: String,
    pub policy_id: PolicyId,
    pub message: String,
}

/// What a reader needs to know about a policy to act on a failing control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    pub title: String,
    pub severity: Severity,
    pub remediation: String,
    pub references: Vec<String>,
}

impl ComplianceReport {
    /// Judges every control of `framework` from `findings` (the current findings of the accounts
    /// to report on). Findings of policies the catalog does not know are ignored for controls but
    /// still count for the accounts covered.
    pub fn build(
        framework: &Framework,
        catalog: &Catalog<'_>,
        findings: &[Finding],
        generated_at: DateTime<Utc>,
    ) -> Self {
        let mut by_policy: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for f in findings {
            by_policy.entry(f.policy_id.as_str()).or_default().push(f);
        }
        let mut policies = BTreeMap::new();
        let mut controls = Vec::with_capacity(framework.controls.len());
        for control in &framework.controls {
            let backing: Vec<_> =
                catalog.iter().filter(|p| p.controls_of(&framework.id).contains(&control.id)).collect();
            let mut results = Results::default();
            let mut severity = None;
            let mut failing_resources = Vec::new();
            let mut error_resources = Vec::new();
            for policy in &backing {
                policies.entry(policy.id.clone()).or_insert_with(|| PolicySummary {
                    title: policy.title.clone(),
                    severity: policy.severity,
                    remediation: policy.remediation.clone(),
                    references: policy.references.clone(),
                });
                for f in by_policy.get(policy.id.as_str()).into_iter().flatten() {
                    match f.status {
                        FindingStatus::Pass => results.pass += 1,
                        FindingStatus::Fail => {
                            results.fail += 1;
                            severity = severity.max(Some(f.severity));
                            failing_resources.push(resource_result(f));
                        }
                        FindingStatus::Error => {
                            results.error += 1;
                            error_resources.push(resource_result(f));
                        }
                    }
                }
            }
            let status = if control.manual {
                ControlStatus::Manual
            } else if results == Results::default() {
                ControlStatus::NotApplicable
            } else if results.fail > 0 {
                ControlStatus::Fail
            } else if results.error > 0 {
                ControlStatus::Error
            } else {
                ControlStatus::Pass
            };
            let order = |r: &ResourceResult| (r.policy_id.clone(), r.resource_id.clone());
            failing_resources.sort_by_key(order);
            error_resources.sort_by_key(order);
            controls.push(ControlResult {
                id: control.id.clone(),
                title: control.title.clone(),
                section: control.section.clone(),
                status,
                severity,
                policies: backing.iter().map(|p| p.id.clone()).collect(),
                results,
                failing_resources,
                error_resources,
            });
        }
        let summary = summarise(&controls);
        Self {
            framework: FrameworkSummary {
                id: framework.id.clone(),
                title: framework.title.clone(),
                version: framework.version.clone(),
            },
            generated_at,
            accounts: accounts(findings),
            summary,
            controls,
            policies,
        }
    }

    /// Failing controls, most severe first, then in the framework's order: what to fix first.
    pub fn failing_controls(&self) -> Vec<&ControlResult> {
        let mut failing: Vec<_> = self.controls.iter().filter(|c| c.status == ControlStatus::Fail).collect();
        // A stable sort keeps the framework's order among controls of equal severity.
        failing.sort_by_key(|c| std::cmp::Reverse(c.severity));
        failing
    }
}

fn resource_result(f: &Finding) -> ResourceResult {
    ResourceResult {
        resource_id: f.resource_id.to_string(),
        resource_type: f.resource_type.clone(),
        account_id: f.account_id.clone(),
        region: f.region.to_string(),
        label: f.label.clone(),
        policy_id: f.policy_id.clone(),
        message: f.message.clone(),
    }
}

fn summarise(controls: &[ControlResult]) -> Summary {
    let mut s = Summary { controls: controls.len(), ..Summary::default() };
    for c in controls {
        *match c.status {
            ControlStatus::Pass => &mut s.pass,
            ControlStatus::Fail => &mut s.fail,
            ControlStatus::Error => &mut s.error,
            ControlStatus::Manual => &mut s.manual,
            ControlStatus::NotApplicable => &mut s.not_applicable,
        } += 1;
    }
    s
}

fn accounts(findings: &[Finding]) -> Vec<AccountCoverage> {
    let mut by_account: BTreeMap<&AccountId, BTreeSet<&str>> = BTreeMap::new();
    for f in findings {
        let labels = by_account.entry(&f.account_id).or_default();
        if !f.label.is_empty() {
            labels.insert(&f.label);
        }
    }
    by_account
        .into_iter()
        .map(|(account_id, labels)| AccountCoverage {
            account_id: account_id.clone(),
            labels: labels.into_iter().map(str::to_string).collect(),
        })
        .collect()
}

pub(crate) fn write_json(out: &mut dyn Write, report: &ComplianceReport) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(|source| ReportError::Json { format: "JSON", source })?;
    writeln!(out).and_then(|()| out.flush()).map_err(write_err("JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{finding, framework, now, policies};
    use FindingStatus::{Error, Fail, Pass};

    /// Builds a report over the fixture framework and policies from `(policy, resource, status)`
    /// findings, and returns `control id -> (status, failing resource ids)`.
    fn check(findings: &[(&str, &str, FindingStatus)]) -> BTreeMap<String, (ControlStatus, Vec<String>)> {
        let findings: Vec<_> = findings.iter().map(|(p, r, s)| finding(p, r, *s)).collect();
        let metas = policies();
        let report = ComplianceReport::build(&framework(), &Catalog::new(&metas), &findings, now());
        report
            .controls
            .into_iter()
            .map(|c| (c.id, (c.status, c.failing_resources.into_iter().map(|r| r.resource_id).collect())))
            .collect()
    }

    fn status(findings: &[(&str, &str, FindingStatus)], control: &str) -> ControlStatus {
        check(findings)[control].0
    }

    #[test]
    fn no_findings_is_not_applicable_and_manual_stays_manual() {
        let report = check(&[]);
        assert_eq!(report["1.1"].0, ControlStatus::Manual);
        assert_eq!(report["2.1"].0, ControlStatus::NotApplicable);
        // A manual control is manual even when a policy mapped to it fails.
        assert_eq!(status(&[("Test.Manual", "r1", Fail)], "1.1"), ControlStatus::Manual);
    }

    #[test]
    fn any_fail_fails_and_all_pass_passes() {
        assert_eq!(status(&[("Test.Bucket", "b1", Pass), ("Test.Bucket", "b2", Pass)], "2.1"), ControlStatus::Pass);
        let report = check(&[("Test.Bucket", "b1", Pass), ("Test.Bucket", "b2", Fail), ("Test.Sg", "sg1", Fail)]);
        assert_eq!(report["2.1"], (ControlStatus::Fail, vec!["b2".to_string()]));
        // 5.2 is backed by two policies; one failing finding of either fails it.
        assert_eq!(report["5.2"], (ControlStatus::Fail, vec!["sg1".to_string()]));
        assert_eq!(report["5.3"].0, ControlStatus::Fail);
    }

    #[test]
    fn errors_without_failures_are_error() {
        assert_eq!(status(&[("Test.Bucket", "b1", Pass), ("Test.Bucket", "b2", Error)], "2.1"), ControlStatus::Error);
        assert_eq!(status(&[("Test.Bucket", "b1", Error), ("Test.Bucket", "b2", Fail)], "2.1"), ControlStatus::Fail);
    }

    #[test]
    fn unknown_policies_are_ignored_but_their_accounts_count() {
        let findings = vec![finding("Not.In.Catalog", "x", Fail), finding("Test.Bucket", "b1", Pass)];
        let metas = policies();
        let report = ComplianceReport::build(&framework(), &Catalog::new(&metas), &findings, now());
        assert_eq!(report.controls.iter().find(|c| c.id == "2.1").unwrap().status, ControlStatus::Pass);
        assert_eq!(report.accounts.len(), 1);
        assert_eq!(report.accounts[0].labels, vec!["Prod"]);
        assert_eq!(report.summary, Summary { controls: 4, pass: 1, fail: 0, error: 0, manual: 1, not_applicable: 2 });
    }

    #[test]
    fn failing_controls_are_ordered_by_severity_then_framework_order() {
        // Test.Sg is HIGH and backs 5.2 and 5.3; Test.Bucket is MEDIUM and backs 2.1.
        let findings = vec![finding("Test.Bucket", "b", Fail), finding("Test.Sg", "sg", Fail)];
        let metas = policies();
        let report = ComplianceReport::build(&framework(), &Catalog::new(&metas), &findings, now());
        let order: Vec<_> = report.failing_controls().iter().map(|c| c.id.as_str()).collect();
        assert_eq!(order, vec!["5.2", "5.3", "2.1"]);
    }

    #[test]
    fn json_has_the_documented_shape() {
        let findings = vec![finding("Test.Bucket", "b", Fail)];
        let metas = policies();
        let report = ComplianceReport::build(&framework(), &Catalog::new(&metas), &findings, now());
        let mut out = Vec::new();
        write_json(&mut out, &report).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["framework"]["id"], "test-fw-1.0");
        assert_eq!(v["generated_at"], "2024-06-01T00:00:00Z");
        assert_eq!(v["accounts"][0]["account_id"], "123456789012");
        let c = &v["controls"][1];
        assert_eq!((c["id"].as_str(), c["status"].as_str()), (Some("2.1"), Some("FAIL")));
        assert_eq!(c["policies"], serde_json::json!(["Test.Bucket"]));
        assert_eq!(c["failing_resources"][0]["resource_id"], "b");
        assert_eq!(v["controls"][2]["status"], "NOT_APPLICABLE");
        assert_eq!(v["policies"]["Test.Bucket"]["remediation"], "Turn on encryption.");
    }
}
