//! The embedded SQLite store.

use crate::error::{SqlContext, StoreError};
use crate::schema::MIGRATIONS;
use chrono::{DateTime, SecondsFormat, Utc};
use palisade_model::{
    AccountId, Compliance, Finding, FindingStatus, PolicyId, Region, Resource, ResourceId, ScanError, ScanErrorKind,
    Severity,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::Path;

/// The embedded store: one SQLite file in WAL mode.
pub struct SqliteStore {
    conn: Connection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStatus {
    Running,
    Completed,
    Interrupted,
    Failed,
}

impl ScanStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Interrupted => "interrupted",
            Self::Failed => "failed",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "running" => Self::Running,
            "completed" => Self::Completed,
            "interrupted" => Self::Interrupted,
            _ => Self::Failed,
        }
    }
}

/// A scan run as recorded.
#[derive(Debug, Clone)]
pub struct ScanRun {
    pub id: i64,
    pub source: String,
    pub account_id: String,
    pub regions: Vec<String>,
    pub status: ScanStatus,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub resources: i64,
    pub evaluations: i64,
    pub failing: i64,
    pub errors: i64,
}

/// Counts recorded with a completed scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanSummary {
    pub resources: i64,
    pub evaluations: i64,
    pub failing: i64,
    pub errors: i64,
}

/// What an upsert did to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceChange {
    Created,
    Modified,
    Unchanged,
}

/// What recording a verdict did to its finding; alert sinks care about `Opened` and `Resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingChange {
    /// It is FAIL now and was not FAIL before (or was never evaluated).
    Opened,
    /// It was FAIL and now passes (or its resource was deleted).
    Resolved,
    /// Any other change of status, including a first PASS.
    Changed,
    Unchanged,
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

/// Which findings to list. Findings of deleted resources are never listed.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub statuses: Vec<FindingStatus>,
    pub severities: Vec<Severity>,
    pub min_severity: Option<Severity>,
    pub policy_id: Option<String>,
    pub account_id: Option<String>,
    pub resource_type: Option<String>,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str, operation: &'static str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|e| StoreError::Corrupt {
        operation,
        what: "timestamp",
        message: format!("{s:?}: {e}"),
    })
}

fn severity_rank(s: Severity) -> i64 {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0) as i64
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        let mut store = Self { conn };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: i64 =
            self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).op("read schema version")?;
        let supported = MIGRATIONS.len() as i64;
        if version > supported {
            return Err(StoreError::SchemaTooNew { found: version, supported });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().op("begin migration")?;
            tx.execute_batch(sql).op("migrate schema")?;
            tx.pragma_update(None, "user_version", (i + 1) as i64).op("record schema version")?;
            tx.commit().op("commit migration")?;
        }
        Ok(())
    }

    /// Records the start of a scan. Scans of the same source left `running` by a process that
    /// died are marked `interrupted` (their writes were never committed).
    pub fn begin_scan(&mut self, source: &str, account_id: &AccountId, regions: &[Region]) -> Result<i64, StoreError> {
        let tx = self.conn.transaction().op("begin scan")?;
        tx.execute("UPDATE scans SET status = 'interrupted' WHERE source = ?1 AND status = 'running'", params![source])
            .op("mark abandoned scans")?;
        let regions = serde_json::to_string(&regions).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "INSERT INTO scans (source, account_id, regions, status, started_at) VALUES (?1, ?2, ?3, 'running', ?4)",
            params![source, account_id.as_str(), regions, ts(Utc::now())],
        )
        .op("insert scan")?;
        let id = tx.last_insert_rowid();
        tx.commit().op("commit scan start")?;
        Ok(id)
    }

    /// Opens the one transaction that carries all of a scan's writes.
    pub fn scan_writer(&mut self, scan_id: i64) -> Result<ScanWriter<'_>, StoreError> {
        let tx =
            self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).op("begin scan writes")?;
        Ok(ScanWriter { tx, scan_id, now: ts(Utc::now()), summary: ScanSummary::default() })
    }

    /// Marks a scan that did not commit (interrupted or failed).
    pub fn end_scan_without_results(&mut self, scan_id: i64, status: ScanStatus) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE scans SET status = ?2, finished_at = ?3 WHERE id = ?1",
                params![scan_id, status.as_str(), ts(Utc::now())],
            )
            .op("end scan")?;
        Ok(())
    }

    pub fn scan(&self, scan_id: i64) -> Result<Option<ScanRun>, StoreError> {
        self.conn
            .query_row(&format!("{SCAN_COLUMNS} WHERE id = ?1"), params![scan_id], scan_row)
            .optional()
            .op("read scan")?
            .transpose()
    }

    /// The most recent scans, newest first.
    pub fn recent_scans(&self, limit: usize) -> Result<Vec<ScanRun>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("{SCAN_COLUMNS} ORDER BY id DESC LIMIT ?1")).op("list scans")?;
        let rows = stmt.query_map(params![limit as i64], scan_row).op("list scans")?;
        rows.map(|r| r.op("list scans")?).collect()
    }

    pub fn scan_errors(&self, scan_id: i64) -> Result<Vec<ScanError>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT service, region, operation, kind, message FROM scan_errors WHERE scan_id = ?1 ORDER BY rowid",
            )
            .op("list scan errors")?;
        let rows = stmt
            .query_map(params![scan_id], |r| {
                Ok(ScanError {
                    service: r.get(0)?,
                    region: r.get(1)?,
                    operation: r.get(2)?,
                    kind: parse_kind(&r.get::<_, String>(3)?),
                    message: r.get(4)?,
                })
            })
            .op("list scan errors")?;
        rows.collect::<Result<_, _>>().op("list scan errors")
    }

    /// Current findings of live resources, most severe first.
    pub fn findings(&self, filter: &FindingFilter) -> Result<Vec<Finding>, StoreError> {
        let mut sql = String::from(
            "SELECT f.policy_id, f.title, f.severity, f.status, f.resource_id, f.resource_type, f.source, f.account_id,
                    f.region, f.label, f.message, f.compliance, f.first_seen, f.last_seen, f.resolved_at
             FROM findings f JOIN resources r ON r.id = f.resource_id
             WHERE r.deleted_at IS NULL",
        );
        // Only placeholders are appended; values are bound, never formatted into the SQL.
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        let mut any_of = |sql: &mut String, column: &str, items: Vec<rusqlite::types::Value>| {
            if !items.is_empty() {
                let marks = vec!["?"; items.len()].join(", ");
                sql.push_str(&format!(" AND {column} IN ({marks})"));
                values.extend(items);
            }
        };
        any_of(&mut sql, "f.status", filter.statuses.iter().map(|s| s.as_str().to_string().into()).collect());
        any_of(&mut sql, "f.severity", filter.severities.iter().map(|s| s.as_str().to_string().into()).collect());
        any_of(&mut sql, "f.policy_id", filter.policy_id.iter().map(|s| s.clone().into()).collect());
        any_of(&mut sql, "f.account_id", filter.account_id.iter().map(|s| s.clone().into()).collect());
        any_of(&mut sql, "f.resource_type", filter.resource_type.iter().map(|s| s.clone().into()).collect());
        if let Some(min) = filter.min_severity {
            sql.push_str(" AND f.severity_rank >= ?");
            values.push(severity_rank(min).into());
        }
        sql.push_str(" ORDER BY f.severity_rank DESC, f.status, f.policy_id, f.resource_id");
        let mut stmt = self.conn.prepare(&sql).op("list findings")?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values), finding_row).op("list findings")?;
        rows.map(|r| r.op("list findings")?).collect()
    }

    pub fn resource(&self, id: &str) -> Result<Option<Resource>, StoreError> {
        self.conn
            .query_row(
                "SELECT id, resource_type, source, account_id, region, label, name, tags, attributes, last_seen
                 FROM resources WHERE id = ?1 AND deleted_at IS NULL",
                params![id],
                resource_row,
            )
            .optional()
            .op("read resource")?
            .transpose()
    }

    pub fn resource_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM resources WHERE deleted_at IS NULL", [], |r| r.get(0))
            .op("count resources")
    }
}

const SCAN_COLUMNS: &str = "SELECT id, source, account_id, regions, status, started_at, finished_at, resources, evaluations, failing, errors FROM scans";

type RowResult<T> = rusqlite::Result<Result<T, StoreError>>;

fn scan_row(r: &rusqlite::Row<'_>) -> RowResult<ScanRun> {
    let regions: String = r.get(3)?;
    let status: String = r.get(4)?;
    let started: String = r.get(5)?;
    let finished: Option<String> = r.get(6)?;
    let (id, source, account_id, resources, evaluations, failing, errors) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?);
    Ok((|| {
        Ok(ScanRun {
            id,
            source,
            account_id,
            regions: serde_json::from_str(&regions).unwrap_or_default(),
            status: ScanStatus::parse(&status),
            started_at: parse_ts(&started, "read scan")?,
            finished_at: finished.as_deref().map(|f| parse_ts(f, "read scan")).transpose()?,
            resources,
            evaluations,
            failing,
            errors,
        })
    })())
}

fn parse_kind(s: &str) -> ScanErrorKind {
    match s {
        "access_denied" => ScanErrorKind::AccessDenied,
        "throttling" => ScanErrorKind::Throttling,
        "region_disabled" => ScanErrorKind::RegionDisabled,
        "transport" => ScanErrorKind::Transport,
        _ => ScanErrorKind::Other,
    }
}

fn finding_row(r: &rusqlite::Row<'_>) -> RowResult<Finding> {
    let cols: [String; 12] = [
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ];
    let first_seen: String = r.get(12)?;
    let last_seen: String = r.get(13)?;
    let resolved: Option<String> = r.get(14)?;
    const OP: &str = "read finding";
    let corrupt = |what: &'static str, message: String| StoreError::Corrupt { operation: OP, what, message };
    Ok((|| {
        let [policy_id, title, severity, status, resource_id, resource_type, source, account_id, region, label, message, compliance] =
            cols;
        Ok(Finding {
            policy_id: PolicyId::new(policy_id).map_err(|e| corrupt("policy id", e.to_string()))?,
            title,
            severity: severity
                .parse()
                .map_err(|e: palisade_model::ParseSeverityError| corrupt("severity", e.to_string()))?,
            status: status.parse().map_err(|e| corrupt("status", e))?,
            resource_id: ResourceId::new(resource_id).map_err(|e| corrupt("resource id", e.to_string()))?,
            resource_type,
            source,
            account_id: AccountId::new(account_id).map_err(|e| corrupt("account id", e.to_string()))?,
            region: Region::new(region).map_err(|e| corrupt("region", e.to_string()))?,
            label,
            message,
            compliance: serde_json::from_str(&compliance).map_err(|e| corrupt("compliance", e.to_string()))?,
            first_seen: parse_ts(&first_seen, OP)?,
            last_seen: parse_ts(&last_seen, OP)?,
            resolved_at: resolved.as_deref().map(|s| parse_ts(s, OP)).transpose()?,
        })
    })())
}

fn resource_row(r: &rusqlite::Row<'_>) -> RowResult<Resource> {
    let cols: [String; 10] =
        [r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?];
    const OP: &str = "read resource";
    let corrupt = |what: &'static str, message: String| StoreError::Corrupt { operation: OP, what, message };
    Ok((|| {
        let [id, resource_type, source, account_id, region, label, name, tags, attributes, last_seen] = cols;
        Ok(Resource {
            id: ResourceId::new(id).map_err(|e| corrupt("resource id", e.to_string()))?,
            resource_type,
            source,
            account_id: AccountId::new(account_id).map_err(|e| corrupt("account id", e.to_string()))?,
            region: Region::new(region).map_err(|e| corrupt("region", e.to_string()))?,
            label,
            name,
            tags: serde_json::from_str(&tags).map_err(|e| corrupt("tags", e.to_string()))?,
            attributes: serde_json::from_str(&attributes).map_err(|e| corrupt("attributes", e.to_string()))?,
            collected_at: parse_ts(&last_seen, OP)?,
        })
    })())
}

/// All writes of one scan, in one transaction. Dropping it without [`ScanWriter::commit`] rolls
/// everything back, which is what an interrupted scan must do.
pub struct ScanWriter<'a> {
    tx: Transaction<'a>,
    scan_id: i64,
    now: String,
    summary: ScanSummary,
}

impl ScanWriter<'_> {
    pub fn scan_id(&self) -> i64 {
        self.scan_id
    }

    /// Inserts or updates a resource, recording a history row when its content changed.
    pub fn upsert_resource(&mut self, r: &Resource) -> Result<ResourceChange, StoreError> {
        self.summary.resources += 1;
        let hash = r.content_hash();
        let existing: Option<(String, Option<String>)> = self
            .tx
            .prepare_cached("SELECT content_hash, deleted_at FROM resources WHERE id = ?1")
            .op("read resource")?
            .query_row(params![r.id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
            .op("read resource")?;
        let change = match &existing {
            None => ResourceChange::Created,
            Some((_, Some(_))) => ResourceChange::Created,
            Some((old, None)) if *old == hash => ResourceChange::Unchanged,
            Some(_) => ResourceChange::Modified,
        };
        let tags = serde_json::to_string(&r.tags).unwrap_or_else(|_| "{}".into());
        let attributes = serde_json::to_string(&r.attributes).unwrap_or_else(|_| "null".into());
        let collected = ts(r.collected_at);
        self.tx
            .prepare_cached(
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
                self.scan_id
            ])
            .op("upsert resource")?;
        if change != ResourceChange::Unchanged {
            let kind = if change == ResourceChange::Created { "created" } else { "modified" };
            self.tx
                .prepare_cached(
                    "INSERT INTO resource_history (resource_id, scan_id, changed_at, change, content_hash, attributes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .op("record resource history")?
                .execute(params![r.id.as_str(), self.scan_id, collected, kind, hash, attributes])
                .op("record resource history")?;
        }
        Ok(change)
    }

    /// Records a verdict and keeps the finding's lifecycle: `first_seen` is when the current
    /// status began, `resolved_at` when a FAIL stopped failing (cleared if it fails again).
    pub fn record_finding(&mut self, f: &NewFinding<'_>) -> Result<FindingChange, StoreError> {
        self.summary.evaluations += 1;
        if f.status == FindingStatus::Fail {
            self.summary.failing += 1;
        }
        let r = f.resource;
        let previous: Option<(String, String, Option<String>)> = self
            .tx
            .prepare_cached(
                "SELECT status, first_seen, resolved_at FROM findings WHERE policy_id = ?1 AND resource_id = ?2",
            )
            .op("read finding")?
            .query_row(params![f.policy_id.as_str(), r.id.as_str()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()
            .op("read finding")?;
        let status = f.status.as_str();
        let now = self.now.clone();
        let (change, first_seen, resolved_at) = match previous {
            // A FAIL resolved by its resource's deletion that fails again is a new failure.
            Some((old, first, resolved)) if old == status && !(old == "FAIL" && resolved.is_some()) => {
                (FindingChange::Unchanged, first, resolved)
            }
            _ if f.status == FindingStatus::Fail => (FindingChange::Opened, now, None),
            Some((old, _, _)) if old == "FAIL" && f.status == FindingStatus::Pass => {
                (FindingChange::Resolved, now.clone(), Some(now))
            }
            Some((_, _, resolved)) => (FindingChange::Changed, now, resolved),
            None => (FindingChange::Changed, now, None),
        };
        let compliance = serde_json::to_string(f.compliance).unwrap_or_else(|_| "{}".into());
        self.tx
            .prepare_cached(
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
                f.policy_id.as_str(),
                r.id.as_str(),
                r.resource_type,
                r.source,
                r.account_id.as_str(),
                r.region.as_str(),
                r.label,
                f.title,
                f.severity.as_str(),
                severity_rank(f.severity),
                status,
                f.message,
                compliance,
                first_seen,
                self.now,
                resolved_at,
                self.scan_id
            ])
            .op("upsert finding")?;
        if change != FindingChange::Unchanged {
            self.history(f.policy_id.as_str(), r.id.as_str(), status, f.message)?;
        }
        Ok(change)
    }

    fn history(&self, policy_id: &str, resource_id: &str, status: &str, message: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO finding_history (policy_id, resource_id, scan_id, at, status, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .op("record finding history")?
            .execute(params![policy_id, resource_id, self.scan_id, self.now, status, message])
            .op("record finding history")?;
        Ok(())
    }

    pub fn record_error(&mut self, e: &ScanError) -> Result<(), StoreError> {
        self.summary.errors += 1;
        self.tx
            .prepare_cached(
                "INSERT INTO scan_errors (scan_id, service, region, operation, kind, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .op("record scan error")?
            .execute(params![self.scan_id, e.service, e.region, e.operation, e.kind.as_str(), e.message])
            .op("record scan error")?;
        Ok(())
    }

    /// Marks as deleted every live resource of `account` in the fully covered `(type, region)`
    /// scopes that this scan did not see, and resolves their failing findings. Returns the
    /// `(policy_id, resource_id)` of the findings it resolved.
    pub fn sweep(
        &mut self,
        account: &AccountId,
        scopes: &[(String, String)],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let mut resolved = Vec::new();
        for (resource_type, region) in scopes {
            let gone: Vec<(String, String)> = {
                let mut stmt = self
                    .tx
                    .prepare_cached(
                        "SELECT id, content_hash FROM resources
                         WHERE account_id = ?1 AND resource_type = ?2 AND region = ?3
                           AND deleted_at IS NULL AND last_scan_id != ?4",
                    )
                    .op("find deleted resources")?;
                let rows = stmt
                    .query_map(params![account.as_str(), resource_type, region, self.scan_id], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .op("find deleted resources")?;
                rows.collect::<Result<_, _>>().op("find deleted resources")?
            };
            for (id, hash) in gone {
                self.tx
                    .execute(
                        "UPDATE resources SET deleted_at = ?2, last_scan_id = ?3 WHERE id = ?1",
                        params![id, self.now, self.scan_id],
                    )
                    .op("mark resource deleted")?;
                self.tx
                    .execute(
                        "INSERT INTO resource_history (resource_id, scan_id, changed_at, change, content_hash, attributes)
                         VALUES (?1, ?2, ?3, 'deleted', ?4, NULL)",
                        params![id, self.scan_id, self.now, hash],
                    )
                    .op("record resource history")?;
                let failing: Vec<String> = {
                    let mut stmt = self
                        .tx
                        .prepare_cached("SELECT policy_id FROM findings WHERE resource_id = ?1 AND status = 'FAIL' AND resolved_at IS NULL")
                        .op("find findings of deleted resource")?;
                    let rows = stmt.query_map(params![id], |r| r.get(0)).op("find findings of deleted resource")?;
                    rows.collect::<Result<_, _>>().op("find findings of deleted resource")?
                };
                for policy_id in failing {
                    self.tx
                        .execute(
                            "UPDATE findings SET resolved_at = ?3, last_scan_id = ?4 WHERE policy_id = ?1 AND resource_id = ?2",
                            params![policy_id, id, self.now, self.scan_id],
                        )
                        .op("resolve finding of deleted resource")?;
                    self.history(&policy_id, &id, "RESOLVED", "resource deleted")?;
                    resolved.push((policy_id, id.clone()));
                }
            }
        }
        Ok(resolved)
    }

    /// Commits every write of the scan and marks it completed.
    pub fn commit(self) -> Result<ScanSummary, StoreError> {
        let s = self.summary;
        self.tx
            .execute(
                "UPDATE scans SET status = 'completed', finished_at = ?2, resources = ?3, evaluations = ?4,
                                  failing = ?5, errors = ?6
                 WHERE id = ?1",
                params![self.scan_id, ts(Utc::now()), s.resources, s.evaluations, s.failing, s.errors],
            )
            .op("complete scan")?;
        self.tx.commit().op("commit scan")?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn account() -> AccountId {
        AccountId::new("123456789012").unwrap()
    }

    fn resource(id: &str, attrs: serde_json::Value) -> Resource {
        Resource {
            id: ResourceId::new(id).unwrap(),
            resource_type: "AWS.S3.Bucket".into(),
            source: "default".into(),
            account_id: account(),
            region: Region::new("us-east-1").unwrap(),
            label: "Prod".into(),
            name: id.into(),
            tags: Default::default(),
            attributes: attrs,
            collected_at: Utc::now(),
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        store: SqliteStore,
        policy: PolicyId,
        compliance: Compliance,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("p.db")).unwrap();
        let compliance = [("cis".to_string(), vec!["1.1".to_string()])].into_iter().collect();
        Fixture { _dir: dir, store, policy: PolicyId::new("AWS.S3.Bucket.Encryption").unwrap(), compliance }
    }

    impl Fixture {
        /// One scan that sees `resources` with the given statuses, then sweeps the bucket scope.
        fn scan(&mut self, resources: &[(&str, FindingStatus)]) -> Vec<FindingChange> {
            let regions = [Region::new("us-east-1").unwrap()];
            let id = self.store.begin_scan("default", &account(), &regions).unwrap();
            let mut w = self.store.scan_writer(id).unwrap();
            let mut changes = Vec::new();
            for (rid, status) in resources {
                let r = resource(rid, json!({"status": status.as_str()}));
                w.upsert_resource(&r).unwrap();
                let f = NewFinding {
                    policy_id: &self.policy,
                    title: "t",
                    severity: Severity::High,
                    compliance: &self.compliance,
                    status: *status,
                    message: if *status == FindingStatus::Fail { "bad" } else { "" },
                    resource: &r,
                };
                changes.push(w.record_finding(&f).unwrap());
            }
            let swept = w.sweep(&account(), &[("AWS.S3.Bucket".into(), "us-east-1".into())]).unwrap();
            changes.extend(swept.iter().map(|_| FindingChange::Resolved));
            w.commit().unwrap();
            changes
        }

        fn statuses(&self) -> Vec<(String, FindingStatus, bool)> {
            self.store
                .findings(&FindingFilter::default())
                .unwrap()
                .into_iter()
                .map(|f| (f.resource_id.to_string(), f.status, f.resolved_at.is_some()))
                .collect()
        }
    }

    use FindingStatus::{Fail, Pass};

    #[test]
    fn finding_lifecycle_open_resolve_reopen() {
        let mut fx = fixture();
        assert_eq!(fx.scan(&[("a", Fail), ("b", Pass)]), vec![FindingChange::Opened, FindingChange::Changed]);
        assert_eq!(fx.scan(&[("a", Fail), ("b", Pass)]), vec![FindingChange::Unchanged, FindingChange::Unchanged]);
        assert_eq!(fx.scan(&[("a", Pass), ("b", Fail)]), vec![FindingChange::Resolved, FindingChange::Opened]);
        assert_eq!(fx.statuses(), vec![("b".into(), Fail, false), ("a".into(), Pass, true)]);
        assert_eq!(fx.scan(&[("a", Fail), ("b", Fail)]), vec![FindingChange::Opened, FindingChange::Unchanged]);
        assert_eq!(fx.statuses(), vec![("a".into(), Fail, false), ("b".into(), Fail, false)]);
    }

    #[test]
    fn unseen_resources_are_deleted_and_their_findings_resolved() {
        let mut fx = fixture();
        fx.scan(&[("a", Fail), ("b", Fail)]);
        assert_eq!(fx.scan(&[("a", Fail)]), vec![FindingChange::Unchanged, FindingChange::Resolved]);
        assert_eq!(fx.statuses(), vec![("a".into(), Fail, false)]);
        assert!(fx.store.resource("b").unwrap().is_none());
        // It comes back: a new resource life, a new failure.
        assert_eq!(fx.scan(&[("a", Fail), ("b", Fail)]), vec![FindingChange::Unchanged, FindingChange::Opened]);
    }

    #[test]
    fn dropped_writer_leaves_previous_results_intact() {
        let mut fx = fixture();
        fx.scan(&[("a", Fail)]);
        let before = fx.statuses();
        let id = fx.store.begin_scan("default", &account(), &[]).unwrap();
        {
            let mut w = fx.store.scan_writer(id).unwrap();
            let r = resource("a", json!({"changed": true}));
            w.upsert_resource(&r).unwrap();
            let f = NewFinding {
                policy_id: &fx.policy,
                title: "t",
                severity: Severity::High,
                compliance: &fx.compliance,
                status: Pass,
                message: "",
                resource: &r,
            };
            w.record_finding(&f).unwrap();
            w.sweep(&account(), &[("AWS.S3.Bucket".into(), "us-east-1".into())]).unwrap();
            // Dropped without commit, as when the scan is interrupted.
        }
        assert_eq!(fx.statuses(), before);
        assert_eq!(fx.store.resource("a").unwrap().unwrap().attributes, json!({"status": "FAIL"}));
        fx.store.end_scan_without_results(id, ScanStatus::Interrupted).unwrap();
        assert_eq!(fx.store.scan(id).unwrap().unwrap().status, ScanStatus::Interrupted);
    }

    #[test]
    fn abandoned_running_scans_are_marked_interrupted() {
        let mut fx = fixture();
        let first = fx.store.begin_scan("default", &account(), &[]).unwrap();
        let second = fx.store.begin_scan("default", &account(), &[]).unwrap();
        assert_eq!(fx.store.scan(first).unwrap().unwrap().status, ScanStatus::Interrupted);
        assert_eq!(fx.store.scan(second).unwrap().unwrap().status, ScanStatus::Running);
    }

    #[test]
    fn filters_by_status_and_severity() {
        let mut fx = fixture();
        fx.scan(&[("a", Fail), ("b", Pass)]);
        let only_fail = FindingFilter { statuses: vec![Fail], ..Default::default() };
        assert_eq!(fx.store.findings(&only_fail).unwrap().len(), 1);
        let critical = FindingFilter { min_severity: Some(Severity::Critical), ..Default::default() };
        assert!(fx.store.findings(&critical).unwrap().is_empty());
        let high = FindingFilter { severities: vec![Severity::High], ..Default::default() };
        assert_eq!(fx.store.findings(&high).unwrap().len(), 2);
    }

    #[test]
    fn scan_errors_round_trip() {
        let mut fx = fixture();
        let id = fx.store.begin_scan("default", &account(), &[]).unwrap();
        let mut w = fx.store.scan_writer(id).unwrap();
        let e = ScanError {
            service: "s3".into(),
            region: "us-east-1".into(),
            operation: "GetBucketPolicy".into(),
            kind: ScanErrorKind::AccessDenied,
            message: "AccessDenied: no".into(),
        };
        w.record_error(&e).unwrap();
        let summary = w.commit().unwrap();
        assert_eq!(summary.errors, 1);
        assert_eq!(fx.store.scan_errors(id).unwrap(), vec![e]);
        assert_eq!(fx.store.scan(id).unwrap().unwrap().status, ScanStatus::Completed);
    }
}
