//! Policies switched off by a user. A disabled policy is not evaluated by scans (the engine leaves
//! it out of the evaluator it builds for each scan), and disabling it removes its current
//! findings, so nothing shows, alerts on or remediates a verdict that is no longer kept up to date.

use super::{parse_ts, ts, SqliteStore};
use crate::error::{SqlContext, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::params;
use std::collections::BTreeMap;

impl SqliteStore {
    /// The disabled policies, by id, with when each was disabled.
    pub fn disabled_policies(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        const OP: &str = "list disabled policies";
        let mut stmt = self.conn.prepare("SELECT policy_id, disabled_at FROM disabled_policies").op(OP)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).op(OP)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (id, at) = row.op(OP)?;
            out.insert(id, parse_ts(&at, OP)?);
        }
        Ok(out)
    }

    /// Disables a policy and removes its current findings, in one transaction. False when it was
    /// disabled already.
    pub fn disable_policy(&mut self, policy_id: &str) -> Result<bool, StoreError> {
        const OP: &str = "disable policy";
        let tx = self.conn.transaction().op(OP)?;
        let n = tx
            .execute(
                "INSERT OR IGNORE INTO disabled_policies (policy_id, disabled_at) VALUES (?1, ?2)",
                params![policy_id, ts(Utc::now())],
            )
            .op(OP)?;
        if n == 1 {
            tx.execute("DELETE FROM findings WHERE policy_id = ?1", params![policy_id]).op(OP)?;
        }
        tx.commit().op(OP)?;
        Ok(n == 1)
    }

    /// Enables a policy again (the next scan of each source evaluates it). False when it was not
    /// disabled.
    pub fn enable_policy(&mut self, policy_id: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute("DELETE FROM disabled_policies WHERE policy_id = ?1", params![policy_id])
            .op("enable policy")?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FindingFilter, NewFinding};
    use palisade_model::{AccountId, FindingStatus, PolicyId, Region, Resource, ResourceId, Severity};

    #[test]
    fn disabling_removes_the_policys_findings_and_enabling_undoes_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("p.db")).unwrap();
        let account = AccountId::new("123456789012").unwrap();
        let scan = store.begin_scan("s", &account, &[]).unwrap();
        let resource = Resource {
            id: ResourceId::new("arn:aws:s3:::b").unwrap(),
            resource_type: "AWS.S3.Bucket".into(),
            source: "s".into(),
            account_id: account.clone(),
            region: Region::new("us-east-1").unwrap(),
            label: "Prod".into(),
            name: "b".into(),
            tags: Default::default(),
            attributes: serde_json::json!({}),
            collected_at: Utc::now(),
        };
        let compliance = Default::default();
        let mut w = store.scan_writer(scan);
        w.stage_resource(&resource).unwrap();
        for id in ["P.One", "P.Two"] {
            let policy = PolicyId::new(id).unwrap();
            w.stage_finding(&NewFinding {
                policy_id: &policy,
                title: id,
                severity: Severity::High,
                compliance: &compliance,
                status: FindingStatus::Fail,
                message: "bad",
                resource: &resource,
            })
            .unwrap();
        }
        w.commit(&account, &[]).unwrap();

        assert!(store.disable_policy("P.One").unwrap());
        assert!(!store.disable_policy("P.One").unwrap(), "already disabled");
        assert_eq!(store.disabled_policies().unwrap().keys().collect::<Vec<_>>(), ["P.One"]);
        let left: Vec<String> =
            store.findings(&FindingFilter::default()).unwrap().into_iter().map(|f| f.policy_id.to_string()).collect();
        assert_eq!(left, ["P.Two"]);

        assert!(store.enable_policy("P.One").unwrap());
        assert!(!store.enable_policy("P.One").unwrap());
        assert!(store.disabled_policies().unwrap().is_empty());
    }
}
