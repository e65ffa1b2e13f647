//! The embedded SQLite store.

mod api_queries;
mod audit;
mod dead_letters;
mod facets;
mod policy_settings;
mod rescan;
mod sources;
mod suppressions;
mod tokens;
mod ui_sessions;
mod writer;

pub use api_queries::{PolicyCounts, ResourceChange, ResourceFilter, ResourceRecord};
pub use audit::{AuditFilter, AuditMode, AuditResult, RemediationRecord};
pub use dead_letters::DeadLetter;
pub use facets::Facets;
pub use rescan::{Observation, RescanApplied, RescanVerdict};
pub use sources::SourceConflict;
pub use suppressions::Suppression;
pub use tokens::{ApiToken, TokenRole};
pub use ui_sessions::UiSession;
pub use writer::{FindingChange, FindingTransition, NewFinding, Published, ScanSummary, ScanWriter};

use crate::error::{SqlContext, StoreError};
use crate::schema::MIGRATIONS;
use chrono::{DateTime, SecondsFormat, Utc};
use palisade_model::{
    AccountId, Finding, FindingStatus, PolicyId, Region, Resource, ResourceId, ScanError, ScanErrorKind, Severity,
};
use rusqlite::{params, Connection, OptionalExtension};
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

/// What a scan looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    /// A scan of a whole source: the only kind that counts as a source's latest scan.
    Full,
    /// A real-time rescan of the few resources named by events.
    Event,
}

impl ScanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Event => "event",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "event" => Self::Event,
            _ => Self::Full,
        }
    }
}

/// A scan run as recorded.
#[derive(Debug, Clone)]
pub struct ScanRun {
    pub id: i64,
    pub kind: ScanKind,
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

/// Which findings to list. Findings of deleted resources are never listed.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub statuses: Vec<FindingStatus>,
    pub severities: Vec<Severity>,
    pub min_severity: Option<Severity>,
    pub policy_id: Option<String>,
    pub account_id: Option<String>,
    /// Any of these accounts (combined with `account_id`).
    pub account_ids: Vec<String>,
    pub resource_type: Option<String>,
    /// Only findings of sources with this label.
    pub label: Option<String>,
    /// Only findings of this resource.
    pub resource_id: Option<String>,
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored timestamp in [`ts`]'s form, so two of them compare as strings exactly as in time
/// (whatever precision the stored text had).
fn normalised_ts(s: &str, operation: &'static str) -> Result<String, StoreError> {
    parse_ts(s, operation).map(ts)
}

fn parse_ts(s: &str, operation: &'static str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|e| StoreError::Corrupt {
        operation,
        what: "timestamp",
        message: format!("{s:?}: {e}"),
    })
}

pub(crate) fn severity_rank(s: Severity) -> i64 {
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

    /// Records the start of a full scan. Full scans of the same source left `running` by a process
    /// that died are marked `interrupted` (their writes were never committed).
    pub fn begin_scan(&mut self, source: &str, account_id: &AccountId, regions: &[Region]) -> Result<i64, StoreError> {
        let tx = self.conn.transaction().op("begin scan")?;
        tx.execute(
            "UPDATE scans SET status = 'interrupted' WHERE source = ?1 AND status = 'running' AND kind = 'full'",
            params![source],
        )
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

    /// The writer of a scan begun with [`Self::begin_scan`].
    pub fn scan_writer(&mut self, scan_id: i64) -> ScanWriter<'_> {
        ScanWriter::new(&mut self.conn, scan_id)
    }

    /// Marks a scan that did not commit (interrupted or failed).
    pub fn end_scan_without_results(&mut self, scan_id: i64, status: ScanStatus) -> Result<(), StoreError> {
        let tx = self.conn.transaction().op("end scan")?;
        tx.execute(
            "UPDATE scans SET status = ?2, finished_at = ?3 WHERE id = ?1",
            params![scan_id, status.as_str(), ts(Utc::now())],
        )
        .op("end scan")?;
        tx.execute("DELETE FROM staged_resources WHERE scan_id = ?1", params![scan_id]).op("clear staging")?;
        tx.execute("DELETE FROM staged_findings WHERE scan_id = ?1", params![scan_id]).op("clear staging")?;
        tx.commit().op("end scan")?;
        Ok(())
    }

    /// Ends a scan that could not run at all (e.g. its role could not be assumed), with the reason.
    pub fn record_failed_scan(&mut self, scan_id: i64, error: &ScanError) -> Result<(), StoreError> {
        let tx = self.conn.transaction().op("record failed scan")?;
        tx.execute(
            "INSERT INTO scan_errors (scan_id, service, region, operation, kind, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![scan_id, error.service, error.region, error.operation, error.kind.as_str(), error.message],
        )
        .op("record failed scan")?;
        tx.execute(
            "UPDATE scans SET status = 'failed', finished_at = ?2, errors = 1 WHERE id = ?1",
            params![scan_id, ts(Utc::now())],
        )
        .op("record failed scan")?;
        tx.commit().op("record failed scan")?;
        Ok(())
    }

    /// The latest full scan of each source, by source name (event rescans are not scans of the source).
    pub fn last_scans_by_source(&self) -> Result<std::collections::BTreeMap<String, ScanRun>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{SCAN_COLUMNS} WHERE id IN (SELECT max(id) FROM scans WHERE kind = 'full' GROUP BY source)"
            ))
            .op("list last scans")?;
        let rows = stmt.query_map([], scan_row).op("list last scans")?;
        let mut out = std::collections::BTreeMap::new();
        for run in rows {
            let run = run.op("list last scans")??;
            out.insert(run.source.clone(), run);
        }
        Ok(out)
    }

    pub fn scan(&self, scan_id: i64) -> Result<Option<ScanRun>, StoreError> {
        self.conn
            .query_row(&format!("{SCAN_COLUMNS} WHERE id = ?1"), params![scan_id], scan_row)
            .optional()
            .op("read scan")?
            .transpose()
    }

    /// The most recent scans of both kinds, newest first.
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
        any_of(
            &mut sql,
            "f.account_id",
            filter.account_id.iter().chain(&filter.account_ids).map(|s| s.clone().into()).collect(),
        );
        any_of(&mut sql, "f.resource_type", filter.resource_type.iter().map(|s| s.clone().into()).collect());
        any_of(&mut sql, "f.label", filter.label.iter().map(|s| s.clone().into()).collect());
        any_of(&mut sql, "f.resource_id", filter.resource_id.iter().map(|s| s.clone().into()).collect());
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

const SCAN_COLUMNS: &str = "SELECT id, source, account_id, regions, status, started_at, finished_at, resources, evaluations, failing, errors, kind FROM scans";

type RowResult<T> = rusqlite::Result<Result<T, StoreError>>;

fn scan_row(r: &rusqlite::Row<'_>) -> RowResult<ScanRun> {
    let regions: String = r.get(3)?;
    let status: String = r.get(4)?;
    let started: String = r.get(5)?;
    let finished: Option<String> = r.get(6)?;
    let kind: String = r.get(11)?;
    let (id, source, account_id, resources, evaluations, failing, errors) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?);
    Ok((|| {
        Ok(ScanRun {
            id,
            kind: ScanKind::parse(&kind),
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

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::Compliance;
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

    fn stage(w: &mut ScanWriter<'_>, policy: &PolicyId, compliance: &Compliance, rid: &str, status: FindingStatus) {
        let r = resource(rid, json!({"status": status.as_str()}));
        w.stage_resource(&r).unwrap();
        let message = if status == FindingStatus::Fail { "bad" } else { "" };
        let f = NewFinding {
            policy_id: policy,
            title: "t",
            severity: Severity::High,
            compliance,
            status,
            message,
            resource: &r,
        };
        w.stage_finding(&f).unwrap();
    }

    const SCOPE: &[(&str, &str)] = &[("AWS.S3.Bucket", "us-east-1")];

    fn scopes() -> Vec<(String, String)> {
        SCOPE.iter().map(|(t, r)| (t.to_string(), r.to_string())).collect()
    }

    impl Fixture {
        /// One scan that sees `resources` with the given statuses, then publishes with a sweep of
        /// the bucket scope. Returns `(change, resource)` of each transition.
        fn scan(&mut self, resources: &[(&str, FindingStatus)]) -> Vec<(FindingChange, String)> {
            let id = self.store.begin_scan("default", &account(), &[]).unwrap();
            let mut w = self.store.scan_writer(id);
            for (rid, status) in resources {
                stage(&mut w, &self.policy, &self.compliance, rid, *status);
            }
            let published = w.commit(&account(), &scopes()).unwrap();
            published.transitions.into_iter().map(|t| (t.change, t.resource_id)).collect()
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

    use FindingChange::{Opened, Resolved};
    use FindingStatus::{Fail, Pass};

    #[test]
    fn finding_lifecycle_open_resolve_reopen() {
        let mut fx = fixture();
        assert_eq!(fx.scan(&[("a", Fail), ("b", Pass)]), vec![(Opened, "a".into())]);
        assert_eq!(fx.scan(&[("a", Fail), ("b", Pass)]), vec![]);
        assert_eq!(fx.scan(&[("a", Pass), ("b", Fail)]), vec![(Resolved, "a".into()), (Opened, "b".into())]);
        assert_eq!(fx.statuses(), vec![("b".into(), Fail, false), ("a".into(), Pass, true)]);
        assert_eq!(fx.scan(&[("a", Fail), ("b", Fail)]), vec![(Opened, "a".into())]);
        assert_eq!(fx.statuses(), vec![("a".into(), Fail, false), ("b".into(), Fail, false)]);
    }

    #[test]
    fn unseen_resources_are_deleted_and_their_findings_resolved() {
        let mut fx = fixture();
        fx.scan(&[("a", Fail), ("b", Fail)]);
        assert_eq!(fx.scan(&[("a", Fail)]), vec![(Resolved, "b".into())]);
        assert_eq!(fx.statuses(), vec![("a".into(), Fail, false)]);
        assert!(fx.store.resource("b").unwrap().is_none());
        // It comes back: a new resource life, a new failure.
        assert_eq!(fx.scan(&[("a", Fail), ("b", Fail)]), vec![(Opened, "b".into())]);
    }

    #[test]
    fn an_unpublished_scan_changes_nothing_and_is_cleaned_up() {
        let mut fx = fixture();
        fx.scan(&[("a", Fail)]);
        let before = fx.statuses();
        let id = fx.store.begin_scan("default", &account(), &[]).unwrap();
        {
            let mut w = fx.store.scan_writer(id);
            // More than one batch, so some of it really reached the database.
            for i in 0..600 {
                stage(&mut w, &fx.policy, &fx.compliance, &format!("new-{i}"), Pass);
            }
            stage(&mut w, &fx.policy, &fx.compliance, "a", Pass);
            // Dropped without commit, as when the scan is interrupted.
        }
        assert_eq!(fx.statuses(), before);
        assert_eq!(fx.store.resource("a").unwrap().unwrap().attributes, json!({"status": "FAIL"}));
        assert!(fx.store.resource("new-0").unwrap().is_none());
        let staged: i64 = fx.store.conn.query_row("SELECT count(*) FROM staged_resources", [], |r| r.get(0)).unwrap();
        assert!(staged > 0, "the batches were written to staging");
        fx.store.end_scan_without_results(id, ScanStatus::Interrupted).unwrap();
        assert_eq!(fx.store.scan(id).unwrap().unwrap().status, ScanStatus::Interrupted);
        let staged: i64 = fx.store.conn.query_row("SELECT count(*) FROM staged_resources", [], |r| r.get(0)).unwrap();
        assert_eq!(staged, 0);
    }

    #[test]
    fn two_scans_can_stage_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let mut one = SqliteStore::open(&path).unwrap();
        let mut two = SqliteStore::open(&path).unwrap();
        let policy = PolicyId::new("P.Q").unwrap();
        let compliance = Compliance::new();
        let a = AccountId::new("111111111111").unwrap();
        let b = AccountId::new("222222222222").unwrap();
        let id1 = one.begin_scan("one", &a, &[]).unwrap();
        let id2 = two.begin_scan("two", &b, &[]).unwrap();
        let mut w1 = one.scan_writer(id1);
        let mut w2 = two.scan_writer(id2);
        for i in 0..300 {
            stage(&mut w1, &policy, &compliance, &format!("one-{i}"), Fail);
            stage(&mut w2, &policy, &compliance, &format!("two-{i}"), Pass);
        }
        w1.commit(&a, &[]).unwrap();
        w2.commit(&b, &[]).unwrap();
        assert_eq!(one.resource_count().unwrap(), 600);
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
        let mut w = fx.store.scan_writer(id);
        let e = ScanError {
            service: "s3".into(),
            region: "us-east-1".into(),
            operation: "GetBucketPolicy".into(),
            kind: ScanErrorKind::AccessDenied,
            message: "AccessDenied: no".into(),
        };
        w.record_error(&e).unwrap();
        let published = w.commit(&account(), &[]).unwrap();
        assert_eq!(published.summary.errors, 1);
        assert_eq!(fx.store.scan_errors(id).unwrap(), vec![e]);
        assert_eq!(fx.store.scan(id).unwrap().unwrap().status, ScanStatus::Completed);
    }
}
