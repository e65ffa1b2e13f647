//! The remediation audit log: one row per finding a remediation action was planned or applied
//! for, with the state read before and after, the result, and whether a rescan confirmed that the
//! finding resolved. The store knows nothing of the actions; their ids are plain text here.

use super::{parse_ts, ts, RowResult, SqliteStore};
use crate::error::{SqlContext, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// Whether an action was only planned or really applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditMode {
    Plan,
    Apply,
}

impl AuditMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Apply => "apply",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "plan" => Some(Self::Plan),
            "apply" => Some(Self::Apply),
            _ => None,
        }
    }
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditResult {
    /// It ran (and changed what needed changing, possibly nothing).
    Ok,
    /// A call failed; `error` says which and why.
    Failed,
    /// It chose not to act; `detail` says why.
    Skipped,
}

impl AuditResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "ok" => Some(Self::Ok),
            "failed" => Some(Self::Failed),
            "skipped" => Some(Self::Skipped),
            _ => None,
        }
    }
}

/// One audit row. `id` is assigned by the store (ignored when recording).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemediationRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub source: String,
    pub account_id: String,
    pub resource_id: String,
    pub resource_type: String,
    pub region: String,
    pub policy_id: String,
    pub action_id: String,
    pub mode: AuditMode,
    pub result: AuditResult,
    /// Apply: the action changed something. Plan: it would.
    pub changed: bool,
    /// What was (or would be) done, or why nothing was.
    pub detail: String,
    pub error: Option<String>,
    pub state_before: Option<serde_json::Value>,
    pub state_after: Option<serde_json::Value>,
    /// The stored resource's content hash when the finding was chosen.
    pub hash_before: Option<String>,
    /// The rescanned resource's content hash.
    pub hash_after: Option<String>,
    /// `None` until a rescan checked the finding; then whether it resolved.
    pub verified: Option<bool>,
    pub verified_at: Option<DateTime<Utc>>,
}

/// Which audit rows to list (newest first).
#[derive(Debug, Clone)]
pub struct AuditFilter {
    pub source: Option<String>,
    pub policy_id: Option<String>,
    pub resource_id: Option<String>,
    pub limit: usize,
}

impl Default for AuditFilter {
    fn default() -> Self {
        Self { source: None, policy_id: None, resource_id: None, limit: 100 }
    }
}

const COLUMNS: &str = "id, at, source, account_id, resource_id, resource_type, region, policy_id, action_id, mode,
                       result, changed, detail, error, state_before, state_after, hash_before, hash_after, verified,
                       verified_at";

impl SqliteStore {
    /// Appends an audit row; returns its id.
    pub fn record_remediation(&mut self, r: &RemediationRecord) -> Result<i64, StoreError> {
        let json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        self.conn
            .execute(
                "INSERT INTO remediation_audit (at, source, account_id, resource_id, resource_type, region, policy_id,
                     action_id, mode, result, changed, detail, error, state_before, state_after, hash_before,
                     hash_after, verified, verified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                params![
                    ts(r.at),
                    r.source,
                    r.account_id,
                    r.resource_id,
                    r.resource_type,
                    r.region,
                    r.policy_id,
                    r.action_id,
                    r.mode.as_str(),
                    r.result.as_str(),
                    r.changed,
                    r.detail,
                    r.error,
                    json(&r.state_before),
                    json(&r.state_after),
                    r.hash_before,
                    r.hash_after,
                    r.verified,
                    r.verified_at.map(ts),
                ],
            )
            .op("record remediation")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records what the rescan after an action showed: whether the finding resolved, and the
    /// rescanned resource's content hash (`None` when it is gone). False when `id` is unknown.
    pub fn set_remediation_verified(
        &mut self,
        id: i64,
        verified: bool,
        hash_after: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE remediation_audit SET verified = ?2, hash_after = ?3, verified_at = ?4 WHERE id = ?1",
                params![id, verified, hash_after, ts(at)],
            )
            .op("record remediation verification")?;
        Ok(n == 1)
    }

    /// Audit rows, newest first.
    pub fn remediation_audit(&self, filter: &AuditFilter) -> Result<Vec<RemediationRecord>, StoreError> {
        const OP: &str = "list remediation audit";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM remediation_audit
                 WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR policy_id = ?2) AND (?3 IS NULL OR resource_id = ?3)
                 ORDER BY id DESC LIMIT ?4"
            ))
            .op(OP)?;
        let rows = stmt
            .query_map(params![filter.source, filter.policy_id, filter.resource_id, filter.limit as i64], audit_row)
            .op(OP)?;
        rows.map(|r| r.op(OP)?).collect()
    }

    /// The latest applied (not planned) run of `action_id` for the finding `(policy_id,
    /// resource_id)`: what decides whether a failed fix may be tried again.
    pub fn last_remediation_attempt(
        &self,
        policy_id: &str,
        resource_id: &str,
        action_id: &str,
    ) -> Result<Option<RemediationRecord>, StoreError> {
        const OP: &str = "read last remediation attempt";
        self.conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM remediation_audit
                     WHERE policy_id = ?1 AND resource_id = ?2 AND action_id = ?3 AND mode = 'apply'
                     ORDER BY id DESC LIMIT 1"
                ),
                params![policy_id, resource_id, action_id],
                audit_row,
            )
            .optional()
            .op(OP)?
            .transpose()
    }
}

fn audit_row(r: &rusqlite::Row<'_>) -> RowResult<RemediationRecord> {
    const OP: &str = "read remediation audit";
    let at: String = r.get(1)?;
    let mode: String = r.get(9)?;
    let result: String = r.get(10)?;
    let before: Option<String> = r.get(14)?;
    let after: Option<String> = r.get(15)?;
    let verified_at: Option<String> = r.get(19)?;
    let (id, source, account_id, resource_id, resource_type, region, policy_id, action_id) =
        (r.get(0)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?);
    let (changed, detail, error, hash_before, hash_after, verified) =
        (r.get(11)?, r.get(12)?, r.get(13)?, r.get(16)?, r.get(17)?, r.get(18)?);
    let corrupt = |what: &'static str, message: String| StoreError::Corrupt { operation: OP, what, message };
    let state = |text: Option<String>| {
        text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt("remediation state", e.to_string()))).transpose()
    };
    Ok((|| {
        Ok(RemediationRecord {
            id,
            at: parse_ts(&at, OP)?,
            source,
            account_id,
            resource_id,
            resource_type,
            region,
            policy_id,
            action_id,
            mode: AuditMode::parse(&mode).ok_or_else(|| corrupt("remediation mode", mode.clone()))?,
            result: AuditResult::parse(&result).ok_or_else(|| corrupt("remediation result", result.clone()))?,
            changed,
            detail,
            error,
            state_before: state(before)?,
            state_after: state(after)?,
            hash_before,
            hash_after,
            verified,
            verified_at: verified_at.as_deref().map(|t| parse_ts(t, OP)).transpose()?,
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(policy: &str, mode: AuditMode, result: AuditResult) -> RemediationRecord {
        RemediationRecord {
            id: 0,
            at: Utc::now(),
            source: "prod".into(),
            account_id: "123456789012".into(),
            resource_id: "arn:aws:s3:::b".into(),
            resource_type: "AWS.S3.Bucket".into(),
            region: "us-east-1".into(),
            policy_id: policy.into(),
            action_id: "s3-block-public-access".into(),
            mode,
            result,
            changed: result == AuditResult::Ok,
            detail: "turned on BlockPublicAcls".into(),
            error: (result == AuditResult::Failed).then(|| "s3 PutPublicAccessBlock: AccessDenied".into()),
            state_before: Some(json!({"PublicAccessBlock": null})),
            state_after: Some(json!({"PublicAccessBlock": {"BlockPublicAcls": true}})),
            hash_before: Some("h1".into()),
            hash_after: None,
            verified: None,
            verified_at: None,
        }
    }

    #[test]
    fn records_round_trip_newest_first_and_filter() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let first = record("P.One", AuditMode::Apply, AuditResult::Failed);
        let first_id = store.record_remediation(&first).unwrap();
        let second_id = store.record_remediation(&record("P.Two", AuditMode::Plan, AuditResult::Ok)).unwrap();
        assert!(second_id > first_id);

        let all = store.remediation_audit(&AuditFilter::default()).unwrap();
        assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second_id, first_id]);
        let read = &all[1];
        assert_eq!((read.mode, read.result), (AuditMode::Apply, AuditResult::Failed));
        assert_eq!(read.state_before, first.state_before);
        assert_eq!(read.state_after, first.state_after);
        assert_eq!(read.error.as_deref(), Some("s3 PutPublicAccessBlock: AccessDenied"));
        assert_eq!(read.verified, None);

        let only_two = AuditFilter { policy_id: Some("P.Two".into()), ..AuditFilter::default() };
        assert_eq!(store.remediation_audit(&only_two).unwrap().len(), 1);
        let other_source = AuditFilter { source: Some("dev".into()), ..AuditFilter::default() };
        assert!(store.remediation_audit(&other_source).unwrap().is_empty());
    }

    #[test]
    fn last_attempt_ignores_plans_and_sees_verification() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let (p, r, a) = ("P.One", "arn:aws:s3:::b", "s3-block-public-access");
        assert!(store.last_remediation_attempt(p, r, a).unwrap().is_none());
        store.record_remediation(&record(p, AuditMode::Plan, AuditResult::Ok)).unwrap();
        assert!(store.last_remediation_attempt(p, r, a).unwrap().is_none(), "a plan is not an attempt");
        let failed = store.record_remediation(&record(p, AuditMode::Apply, AuditResult::Failed)).unwrap();
        let ok = store.record_remediation(&record(p, AuditMode::Apply, AuditResult::Ok)).unwrap();
        assert!(store.set_remediation_verified(ok, true, Some("h2"), Utc::now()).unwrap());
        assert!(!store.set_remediation_verified(ok + 100, true, None, Utc::now()).unwrap());
        let last = store.last_remediation_attempt(p, r, a).unwrap().unwrap();
        assert_eq!((last.id, last.verified, last.hash_after.as_deref()), (ok, Some(true), Some("h2")));
        assert!(last.verified_at.is_some());
        assert_ne!(last.id, failed);
        assert!(store.last_remediation_attempt(p, r, "other-action").unwrap().is_none());
    }
}
