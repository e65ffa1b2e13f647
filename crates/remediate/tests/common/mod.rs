//! A source in a fresh emulator account, a store scanned from it, and remediation runs over it.

#![allow(dead_code)]

use palisade_collect::aws::{ActionRecorder, AwsConnector, AwsService, ContextOptions};
use palisade_engine::{scan_account, ScanOptions};
use palisade_model::{AccountId, Finding, FindingStatus, Region, Source};
use palisade_policy::{Evaluator, Pack, Params};
use palisade_remediate::{Mode, Outcome, RemediationOptions, RemediationRunner};
use palisade_store::{FindingFilter, SqliteStore};
use palisade_testkit::TestAccount;
use std::path::PathBuf;
use std::sync::Arc;

pub const REGION: &str = "us-east-1";

pub struct Fixture {
    pub acct: TestAccount,
    pub source: Source,
    pub db: PathBuf,
    pub connector: AwsConnector,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// A fresh account registered as a source (read role `PalisadeReadOnly`, an ExternalId),
    /// opted in to remediation or not.
    pub async fn new(remediation: bool) -> Self {
        let acct = TestAccount::new().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("palisade.db");
        let source = Source {
            name: format!("src-{}", acct.account_id),
            account_id: AccountId::new(&acct.account_id).expect("account id"),
            label: "Test".into(),
            role_arn: Some(format!("arn:aws:iam::{}:role/PalisadeReadOnly", acct.account_id)),
            external_id: Some("palisade-remediation-test".into()),
            regions: vec![Region::new(REGION).unwrap()],
            realtime: false,
            remediation,
            enabled: true,
            schedule: "@daily".into(),
            next_run_at: None,
            created_at: chrono::Utc::now(),
        };
        SqliteStore::open(&db).unwrap().add_source(&source).unwrap().expect("source added");
        let connector = AwsConnector::from_config(palisade_testkit::base_config().await);
        Self { acct, source, db, connector, _dir: dir }
    }

    pub fn evaluator() -> Evaluator {
        Evaluator::new(&Pack::builtin().expect("pack"), &Params::new(), chrono::Utc::now()).expect("evaluator")
    }

    /// A full scan of the source's `services` in us-east-1 into the store.
    pub async fn scan(&self, services: &[AwsService]) {
        let opts =
            ContextOptions { source: self.source.name.clone(), label: self.source.label.clone(), ..Default::default() };
        let ctx = self.connector.context_for(&self.source, opts).await.expect("read context");
        let scan = ScanOptions {
            regions: Some(vec![Region::new(REGION).unwrap()]),
            services: services.to_vec(),
            ..ScanOptions::default()
        };
        let outcome =
            scan_account(ctx, self.db.clone(), Self::evaluator(), scan, Arc::new(|_| {}), std::future::pending())
                .await
                .expect("scan");
        assert!(outcome.errors.is_empty(), "the scan had errors: {:?}", outcome.errors);
    }

    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.db).expect("store")
    }

    /// The stored finding of `policy` on the resource whose id ends with `suffix`.
    pub fn finding(&self, policy: &str, suffix: &str) -> Finding {
        let filter = FindingFilter { policy_id: Some(policy.into()), ..FindingFilter::default() };
        let found: Vec<Finding> = self
            .store()
            .findings(&filter)
            .unwrap()
            .into_iter()
            .filter(|f| f.resource_id.as_str().ends_with(suffix))
            .collect();
        if found.len() != 1 {
            let all: Vec<(String, String, FindingStatus)> = self
                .store()
                .findings(&FindingFilter::default())
                .unwrap()
                .into_iter()
                .map(|f| (f.policy_id.to_string(), f.resource_id.to_string(), f.status))
                .collect();
            panic!("not one finding of {policy} on *{suffix} but {found:?}; the store holds {all:#?}");
        }
        found.into_iter().next().unwrap()
    }

    pub fn status(&self, policy: &str, suffix: &str) -> FindingStatus {
        self.finding(policy, suffix).status
    }

    pub async fn run(&self, mode: Mode, policy: Option<&str>, params: Params) -> Vec<Outcome> {
        self.run_with(
            RemediationOptions { mode, policy: policy.map(str::to_string), params, ..Default::default() },
            None,
        )
        .await
    }

    pub async fn run_with(&self, opts: RemediationOptions, recorder: Option<ActionRecorder>) -> Vec<Outcome> {
        let opts = RemediationOptions { source: Some(self.source.name.clone()), ..opts };
        let mut runner = RemediationRunner::new(self.connector.clone(), self.db.clone(), Self::evaluator());
        if let Some(r) = recorder {
            runner = runner.with_recorder(r);
        }
        runner.run(&opts).await.expect("remediation run")
    }
}

/// The outcomes of `policy` on the resource whose id ends with `suffix`.
pub fn outcome_of<'a>(outcomes: &'a [Outcome], policy: &str, suffix: &str) -> &'a Outcome {
    outcomes
        .iter()
        .find(|o| o.policy_id == policy && o.resource_id.ends_with(suffix))
        .unwrap_or_else(|| panic!("no outcome of {policy} on *{suffix}: {outcomes:#?}"))
}
