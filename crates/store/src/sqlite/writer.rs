//! A scan's writes. Items are staged in short transactions as they arrive (so several scans can
//! write at once) and published into the live tables in one transaction by [`ScanWriter::commit`].
//! A scan that never commits (interrupted, crashed) changed nothing that readers see; its staged
//! rows are removed by the next scan or by [`super::SqliteStore::end_scan_without_results`].

use super::{normalised_ts, severity_rank, ts};
use crate::error::{SqlContext, StoreError};
use palisade_model::{AccountId, Compliance, FindingStatus, PolicyId, Resource, ScanError, Severity};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Items staged per short transaction.
const BATCH: usize = 256;

/// Counts recorded with a completed scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanSummary {
    pub resources: i64,
    pub evaluations: i64,
    pub failing: i64,
    pub errors: i64,
}

/// What publishing did to a finding; alert sinks care about `Opened` and `Resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingChange {
    /// It is FAIL now and was not FAIL before (or was never evaluated).
    Opened,
    /// It was FAIL and now passes, or its resource was deleted.
    Resolved,
    /// Any other change of status, including a first PASS.
    Changed,
    Unchanged,
}

/// One finding whose status changed when the scan was published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingTransition {
    pub change: FindingChange,
    pub policy_id: String,
    pub resource_id: String,
    /// What an alert about it says: the finding as recorded.
    pub title: String,
    pub severity: Severity,
    pub resource_type: String,
    pub source: String,
    pub account_id: String,
    pub region: String,
    pub label: String,
    /// The failure's message (for a resolution, why it resolved).
    pub message: String,
}

/// What a committed scan changed.
#[derive(Debug, Clone, Default)]
pub struct Published {
    pub summary: ScanSummary,
    pub transitions: Vec<FindingTransition>,
}

/// A verdict to record, before the store adds its lifecycle timestamps.
#[derive(Debug, Clone)]
pub struct NewFinding<'a> {
    pub policy_id: &'a PolicyId,
    pub title: &'a str,
    pub severity: Severity,
    pub compliance: &'a Compliance,
    pub status: FindingStatus,
    pub message: &'a str,
    pub resource: &'a Resource,
}

/// A staged verdict: the finding and the identity of its resource.
#[derive(Serialize, Deserialize)]
pub(super) struct StagedFinding {
    policy_id: String,
    title: String,
    severity: Severity,
    compliance: Compliance,
    status: FindingStatus,
    message: String,
    resource_id: String,
    resource_type: String,
    source: String,
    account_id: String,
    region: String,
    label: String,
}

impl StagedFinding {
    pub(super) fn new(f: &NewFinding<'_>) -> Self {
        let r = f.resource;
        Self {
            policy_id: f.policy_id.to_string(),
            title: f.title.to_string(),
            severity: f.severity,
            compliance: f.compliance.clone(),
            status: f.status,
            message: f.message.to_string(),
            resource_id: r.id.to_string(),
            resource_type: r.resource_type.clone(),
            source: r.source.clone(),
            account_id: r.account_id.to_string(),
            region: r.region.to_string(),
            label: r.label.clone(),
        }
    }
}

enum Staged {
    Resource(String),
    Finding(String),
    Error(ScanError),
}

pub struct ScanWriter<'a> {
    conn: &'a mut Connection,
    scan_id: i64,
    buffer: Vec<Staged>,
    summary: ScanSummary,
}

impl<'a> ScanWriter<'a> {
    pub(super) fn new(conn: &'a mut Connection, scan_id: i64) -> Self {
        Self { conn, scan_id, buffer: Vec::with_capacity(BATCH), summary: ScanSummary::default() }
    }

    pub fn scan_id(&self) -> i64 {
        self.scan_id
    }

    pub fn stage_resource(&mut self, r: &Resource) -> Result<(), StoreError> {
        self.summary.resources += 1;
        let body = serde_json::to_string(r).map_err(|e| StoreError::Corrupt {
            operation: "stage resource",
            what: "resource",
            message: e.to_string(),
        })?;
        self.push(Staged::Resource(body))
    }

    pub fn stage_finding(&mut self, f: &NewFinding<'_>) -> Result<(), StoreError> {
        self.summary.evaluations += 1;
        if f.status == FindingStatus::Fail {
            self.summary.failing += 1;
        }
        let body = serde_json::to_string(&StagedFinding::new(f)).map_err(|e| StoreError::Corrupt {
            operation: "stage finding",
            what: "finding",
            message: e.to_string(),
        })?;
        self.push(Staged::Finding(body))
    }

    pub fn record_error(&mut self, e: &ScanError) -> Result<(), StoreError> {
        self.summary.errors += 1;
        self.push(Staged::Error(e.clone()))
    }

    fn push(&mut self, item: Staged) -> Result<(), StoreError> {
        self.buffer.push(item);
        if self.buffer.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered items in one short transaction.
    fn flush(&mut self) -> Result<(), StoreError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).op("begin staging")?;
        for item in self.buffer.drain(..) {
            match item {
                Staged::Resource(body) => tx
                    .prepare_cached("INSERT INTO staged_resources (scan_id, body) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![self.scan_id, body]))
                    .op("stage resource")?,
                Staged::Finding(body) => tx
                    .prepare_cached("INSERT INTO staged_findings (scan_id, body) VALUES (?1, ?2)")
                    .and_then(|mut s| s.execute(params![self.scan_id, body]))
                    .op("stage finding")?,
                Staged::Error(e) => tx
                    .prepare_cached(
                        "INSERT INTO scan_errors (scan_id, service, region, operation, kind, message)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![self.scan_id, e.service, e.region, e.operation, e.kind.as_str(), e.message])
                    })
                    .op("record scan error")?,
            };
        }
        tx.commit().op("commit staging")?;
        Ok(())
    }

    /// Publishes the scan in one transaction: upserts its resources (with history), records its
    /// verdicts (with their lifecycle), marks resources of `account` it did not see in the fully
    /// covered `(type, region)` scopes as deleted (resolving their failures), and completes the scan.
    ///
    /// An event rescan applied while this scan ran may have stored a newer observation than the
    /// scan's: such a resource keeps the newer state (the staged copy and its verdicts are dropped)
    /// and is not swept.
    pub fn commit(mut self, account: &AccountId, scopes: &[(String, String)]) -> Result<Published, StoreError> {
        self.flush()?;
        let scan_id = self.scan_id;
        let now = ts(chrono::Utc::now());
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).op("begin publish")?;
        let mut transitions = Vec::new();
        let mut superseded = HashSet::new();
        {
            let mut stmt =
                tx.prepare("SELECT body FROM staged_resources WHERE scan_id = ?1 ORDER BY seq").op("read staged")?;
            let mut rows = stmt.query(params![scan_id]).op("read staged")?;
            while let Some(row) = rows.next().op("read staged")? {
                let body: String = row.get(0).op("read staged")?;
                let r: Resource = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                    operation: "publish scan",
                    what: "staged resource",
                    message: e.to_string(),
                })?;
                if !upsert_resource(&tx, scan_id, &r)? {
                    superseded.insert(r.id.to_string());
                }
            }
        }
        {
            let mut stmt =
                tx.prepare("SELECT body FROM staged_findings WHERE scan_id = ?1 ORDER BY seq").op("read staged")?;
            let mut rows = stmt.query(params![scan_id]).op("read staged")?;
            while let Some(row) = rows.next().op("read staged")? {
                let body: String = row.get(0).op("read staged")?;
                let f: StagedFinding = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
                    operation: "publish scan",
                    what: "staged finding",
                    message: e.to_string(),
                })?;
                if !superseded.contains(&f.resource_id) {
                    record_verdict(&tx, scan_id, &now, f, &mut transitions)?;
                }
            }
        }
        transitions.extend(sweep(&tx, scan_id, &now, account, scopes)?);
        let s = self.summary;
        tx.execute(
            "UPDATE scans SET status = 'completed', finished_at = ?2, resources = ?3, evaluations = ?4,
                              failing = ?5, errors = ?6
             WHERE id = ?1",
            params![scan_id, ts(chrono::Utc::now()), s.resources, s.evaluations, s.failing, s.errors],
        )
        .op("complete scan")?;
        tx.execute("DELETE FROM staged_resources WHERE scan_id = ?1", params![scan_id]).op("clear staging")?;
        tx.execute("DELETE FROM staged_findings WHERE scan_id = ?1", params![scan_id]).op("clear staging")?;
        tx.commit().op("commit scan")?;
        Ok(Published { summary: s, transitions })
    }
}

/// Inserts or updates a resource, recording a history row when its content changed. Returns
/// `false`, writing nothing, when the stored row was observed after `r` was collected (the newer
/// observation wins, whichever of a full scan and an event rescan made it).
pub(super) fn upsert_resource(tx: &Transaction<'_>, scan_id: i64, r: &Resource) -> Result<bool, StoreError> {
    let hash = r.content_hash();
    let existing: Option<(String, Option<String>, String)> = tx
        .prepare_cached("SELECT content_hash, deleted_at, last_seen FROM resources WHERE id = ?1")
        .op("read resource")?
        .query_row(params![r.id.as_str()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()
        .op("read resource")?;
    let collected = ts(r.collected_at);
    if let Some((_, _, last_seen)) = &existing {
        if collected < normalised_ts(last_seen, "read resource")? {
            return Ok(false);
        }
    }
    let change = match &existing {
        None | Some((_, Some(_), _)) => Some("created"),
        Some((old, None, _)) if *old == hash => None,
        Some(_) => Some("modified"),
    };
    let tags = serde_json::to_string(&r.tags).unwrap_or_else(|_| "{}".into());
    let attributes = serde_json::to_string(&r.attributes).unwrap_or_else(|_| "null".into());
    tx.prepare_cached(
        "INSERT INTO resources (id, resource_type, source, account_id, region, label, name, tags, attributes,
                                content_hash, first_seen, last_seen, deleted_at, last_scan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, NULL, ?12)
         ON CONFLICT(id) DO UPDATE SET
            resource_type = excluded.resource_type, source = excluded.source,
            account_id = excluded.account_id, region = excluded.region, label = excluded.label,
            name = excluded.name, tags = excluded.tags, attributes = excluded.attributes,
            content_hash = excluded.content_hash, last_seen = excluded.last_seen,
            first_seen = CASE WHEN resources.deleted_at IS NULL THEN resources.first_seen ELSE excluded.first_seen END,
            deleted_at = NULL, last_scan_id = excluded.last_scan_id",
    )
    .op("upsert resource")?
    .execute(params![
        r.id.as_str(),
        r.resource_type,
        r.source,
        r.account_id.as_str(),
        r.region.as_str(),
        r.label,
        r.name,
        tags,
        attributes,
        hash,
        collected,
        scan_id
    ])
    .op("upsert resource")?;
    if let Some(kind) = change {
        tx.prepare_cached(
            "INSERT INTO resource_history (resource_id, scan_id, changed_at, change, content_hash, attributes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .op("record resource history")?
        .execute(params![r.id.as_str(), scan_id, collected, kind, hash, attributes])
        .op("record resource history")?;
    }
    Ok(true)
}

/// Records a verdict (see [`record_finding`]) and keeps its transition if it opened or resolved.
pub(super) fn record_verdict(
    tx: &Transaction<'_>,
    scan_id: i64,
    now: &str,
    f: StagedFinding,
    transitions: &mut Vec<FindingTransition>,
) -> Result<(), StoreError> {
    let change = record_finding(tx, scan_id, now, &f)?;
    if matches!(change, FindingChange::Opened | FindingChange::Resolved) {
        transitions.push(FindingTransition {
            change,
            policy_id: f.policy_id,
            resource_id: f.resource_id,
            title: f.title,
            severity: f.severity,
            resource_type: f.resource_type,
            source: f.source,
            account_id: f.account_id,
            region: f.region,
            label: f.label,
            message: if change == FindingChange::Resolved { "passes now".into() } else { f.message },
        });
    }
    Ok(())
}

/// Records a verdict and keeps the finding's lifecycle: `first_seen` is when the current status
/// began, `resolved_at` when a FAIL stopped failing (cleared if it fails again).
fn record_finding(
    tx: &Transaction<'_>,
    scan_id: i64,
    now: &str,
    f: &StagedFinding,
) -> Result<FindingChange, StoreError> {
    let previous: Option<(String, String, Option<String>)> = tx
        .prepare_cached(
            "SELECT status, first_seen, resolved_at FROM findings WHERE policy_id = ?1 AND resource_id = ?2",
        )
        .op("read finding")?
        .query_row(params![f.policy_id, f.resource_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()
        .op("read finding")?;
    let status = f.status.as_str();
    let now = now.to_string();
    let (change, first_seen, resolved_at) = match previous {
        // A FAIL resolved by its resource's deletion that fails again is a new failure.
        Some((old, first, resolved)) if old == status && !(old == "FAIL" && resolved.is_some()) => {
            (FindingChange::Unchanged, first, resolved)
        }
        _ if f.status == FindingStatus::Fail => (FindingChange::Opened, now.clone(), None),
        Some((old, _, _)) if old == "FAIL" && f.status == FindingStatus::Pass => {
            (FindingChange::Resolved, now.clone(), Some(now.clone()))
        }
        Some((_, _, resolved)) => (FindingChange::Changed, now.clone(), resolved),
        None => (FindingChange::Changed, now.clone(), None),
    };
    let compliance = serde_json::to_string(&f.compliance).unwrap_or_else(|_| "{}".into());
    tx.prepare_cached(
        "INSERT INTO findings (policy_id, resource_id, resource_type, source, account_id, region, label, title,
                               severity, severity_rank, status, message, compliance, first_seen, last_seen,
                               resolved_at, last_scan_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT(policy_id, resource_id) DO UPDATE SET
            resource_type = excluded.resource_type, source = excluded.source, account_id = excluded.account_id,
            region = excluded.region, label = excluded.label, title = excluded.title,
            severity = excluded.severity, severity_rank = excluded.severity_rank, status = excluded.status,
            message = excluded.message, compliance = excluded.compliance, first_seen = excluded.first_seen,
            last_seen = excluded.last_seen, resolved_at = excluded.resolved_at,
            last_scan_id = excluded.last_scan_id",
    )
    .op("upsert finding")?
    .execute(params![
        f.policy_id,
        f.resource_id,
        f.resource_type,
        f.source,
        f.account_id,
        f.region,
        f.label,
        f.title,
        f.severity.as_str(),
        severity_rank(f.severity),
        status,
        f.message,
        compliance,
        first_seen,
        now,
        resolved_at,
        scan_id
    ])
    .op("upsert finding")?;
    if change != FindingChange::Unchanged {
        finding_history(tx, scan_id, &now, &f.policy_id, &f.resource_id, status, &f.message)?;
    }
    Ok(change)
}

fn finding_history(
    tx: &Transaction<'_>,
    scan_id: i64,
    now: &str,
    policy_id: &str,
    resource_id: &str,
    status: &str,
    message: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO finding_history (policy_id, resource_id, scan_id, at, status, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .op("record finding history")?
    .execute(params![policy_id, resource_id, scan_id, now, status, message])
    .op("record finding history")?;
    Ok(())
}

/// Marks as deleted every live resource of `account` in the given scopes that this scan did not
/// see, and resolves their failing findings. A resource observed at or after the scan began (by an
/// event rescan applied meanwhile) is kept: the scan's listing may predate it.
fn sweep(
    tx: &Transaction<'_>,
    scan_id: i64,
    now: &str,
    account: &AccountId,
    scopes: &[(String, String)],
) -> Result<Vec<FindingTransition>, StoreError> {
    const OP: &str = "find deleted resources";
    let mut resolved = Vec::new();
    let started: String =
        tx.query_row("SELECT started_at FROM scans WHERE id = ?1", params![scan_id], |r| r.get(0)).op(OP)?;
    let started = normalised_ts(&started, OP)?;
    for (resource_type, region) in scopes {
        let unseen: Vec<(String, String, String)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, content_hash, last_seen FROM resources
                     WHERE account_id = ?1 AND resource_type = ?2 AND region = ?3
                       AND deleted_at IS NULL AND last_scan_id != ?4",
                )
                .op(OP)?;
            let rows = stmt
                .query_map(params![account.as_str(), resource_type, region, scan_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .op(OP)?;
            rows.collect::<Result<_, _>>().op(OP)?
        };
        for (id, hash, last_seen) in unseen {
            if normalised_ts(&last_seen, OP)? >= started {
                continue;
            }
            resolved.extend(delete_resource(tx, scan_id, &id, &hash, now, now)?);
        }
    }
    Ok(resolved)
}

/// Marks a live resource deleted as of `deleted_at` (with its history row) and resolves its failing
/// findings as of `now`. Returns the resolutions.
pub(super) fn delete_resource(
    tx: &Transaction<'_>,
    scan_id: i64,
    id: &str,
    content_hash: &str,
    deleted_at: &str,
    now: &str,
) -> Result<Vec<FindingTransition>, StoreError> {
    tx.execute(
        "UPDATE resources SET deleted_at = ?2, last_scan_id = ?3 WHERE id = ?1",
        params![id, deleted_at, scan_id],
    )
    .op("mark resource deleted")?;
    tx.execute(
        "INSERT INTO resource_history (resource_id, scan_id, changed_at, change, content_hash, attributes)
         VALUES (?1, ?2, ?3, 'deleted', ?4, NULL)",
        params![id, scan_id, deleted_at, content_hash],
    )
    .op("record resource history")?;
    let failing: Vec<FindingTransition> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT policy_id, title, severity, resource_type, source, account_id, region, label FROM findings
                 WHERE resource_id = ?1 AND status = 'FAIL' AND resolved_at IS NULL",
            )
            .op("find findings of deleted resource")?;
        let rows = stmt
            .query_map(params![id], |r| {
                let severity: String = r.get(2)?;
                Ok(FindingTransition {
                    change: FindingChange::Resolved,
                    policy_id: r.get(0)?,
                    resource_id: id.to_string(),
                    title: r.get(1)?,
                    severity: severity.parse().unwrap_or(Severity::Info),
                    resource_type: r.get(3)?,
                    source: r.get(4)?,
                    account_id: r.get(5)?,
                    region: r.get(6)?,
                    label: r.get(7)?,
                    message: "resource deleted".into(),
                })
            })
            .op("find findings of deleted resource")?;
        rows.collect::<Result<_, _>>().op("find findings of deleted resource")?
    };
    let mut resolved = Vec::with_capacity(failing.len());
    for transition in failing {
        let policy_id = transition.policy_id.clone();
        tx.execute(
            "UPDATE findings SET resolved_at = ?3, last_scan_id = ?4 WHERE policy_id = ?1 AND resource_id = ?2",
            params![policy_id, id, now, scan_id],
        )
        .op("resolve finding of deleted resource")?;
        finding_history(tx, scan_id, now, &policy_id, id, "RESOLVED", "resource deleted")?;
        resolved.push(transition);
    }
    Ok(resolved)
}
