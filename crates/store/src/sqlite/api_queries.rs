//! Read queries the server's API needs beyond the CLI's: resources by filter (deleted ones too),
//! a resource's change history, and PASS/FAIL counts per policy.

use super::{parse_ts, resource_row, RowResult, SqliteStore};
use crate::error::{SqlContext, StoreError};
use chrono::{DateTime, Utc};
use palisade_model::Resource;
use rusqlite::{params, OptionalExtension};
use std::collections::BTreeMap;

/// Which resources to list. `deleted`: `None` both, `Some(false)` live only, `Some(true)` deleted only.
#[derive(Debug, Clone, Default)]
pub struct ResourceFilter {
    pub resource_type: Option<String>,
    pub account_id: Option<String>,
    pub label: Option<String>,
    pub region: Option<String>,
    pub deleted: Option<bool>,
}

/// A stored resource with its lifetime.
#[derive(Debug, Clone)]
pub struct ResourceRecord {
    pub resource: Resource,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// One change of a resource as recorded by a scan or rescan.
#[derive(Debug, Clone)]
pub struct ResourceChange {
    pub scan_id: i64,
    pub changed_at: DateTime<Utc>,
    /// `created`, `modified` or `deleted`.
    pub change: String,
    pub content_hash: String,
    /// The attributes after the change; `None` for a deletion.
    pub attributes: Option<serde_json::Value>,
}

/// Current verdicts of one policy over live resources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PolicyCounts {
    pub pass: i64,
    pub fail: i64,
    pub error: i64,
}

// The first ten columns are what `resource_row` reads.
const RECORD_COLUMNS: &str = "SELECT id, resource_type, source, account_id, region, label, name, tags, attributes,
        last_seen, first_seen, deleted_at FROM resources";

fn record_row(r: &rusqlite::Row<'_>) -> RowResult<ResourceRecord> {
    const OP: &str = "read resource";
    let resource = resource_row(r)?;
    let last_seen: String = r.get(9)?;
    let first_seen: String = r.get(10)?;
    let deleted: Option<String> = r.get(11)?;
    Ok((|| {
        Ok(ResourceRecord {
            resource: resource?,
            first_seen: parse_ts(&first_seen, OP)?,
            last_seen: parse_ts(&last_seen, OP)?,
            deleted_at: deleted.as_deref().map(|t| parse_ts(t, OP)).transpose()?,
        })
    })())
}

impl SqliteStore {
    /// Resources matching `filter`, by id, a page of at most `limit` from `offset`.
    pub fn list_resources(
        &self,
        filter: &ResourceFilter,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<ResourceRecord>, StoreError> {
        const OP: &str = "list resources";
        let mut sql = format!("{RECORD_COLUMNS} WHERE 1 = 1");
        // Only placeholders are appended; values are bound.
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        for (column, value) in [
            ("resource_type", &filter.resource_type),
            ("account_id", &filter.account_id),
            ("label", &filter.label),
            ("region", &filter.region),
        ] {
            if let Some(v) = value {
                sql.push_str(&format!(" AND {column} = ?"));
                values.push(v.clone().into());
            }
        }
        match filter.deleted {
            Some(true) => sql.push_str(" AND deleted_at IS NOT NULL"),
            Some(false) => sql.push_str(" AND deleted_at IS NULL"),
            None => {}
        }
        sql.push_str(" ORDER BY id LIMIT ? OFFSET ?");
        values.push((limit as i64).into());
        values.push((offset as i64).into());
        let mut stmt = self.conn.prepare(&sql).op(OP)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values), record_row).op(OP)?;
        rows.map(|r| r.op(OP)?).collect()
    }

    /// One resource, live or deleted.
    pub fn resource_record(&self, id: &str) -> Result<Option<ResourceRecord>, StoreError> {
        self.conn
            .query_row(&format!("{RECORD_COLUMNS} WHERE id = ?1"), params![id], record_row)
            .optional()
            .op("read resource")?
            .transpose()
    }

    /// A resource's changes, oldest first.
    pub fn resource_history(&self, id: &str) -> Result<Vec<ResourceChange>, StoreError> {
        const OP: &str = "read resource history";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT scan_id, changed_at, change, content_hash, attributes FROM resource_history
                 WHERE resource_id = ?1 ORDER BY changed_at, rowid",
            )
            .op(OP)?;
        let rows = stmt
            .query_map(params![id], |r| {
                let changed_at: String = r.get(1)?;
                let attributes: Option<String> = r.get(4)?;
                let (scan_id, change, content_hash) = (r.get(0)?, r.get(2)?, r.get(3)?);
                Ok((|| {
                    Ok(ResourceChange {
                        scan_id,
                        changed_at: parse_ts(&changed_at, OP)?,
                        change,
                        content_hash,
                        attributes: attributes.as_deref().map(serde_json::from_str).transpose().map_err(|e| {
                            StoreError::Corrupt { operation: OP, what: "attributes", message: e.to_string() }
                        })?,
                    })
                })())
            })
            .op(OP)?;
        rows.map(|r| r.op(OP)?).collect()
    }

    /// PASS, FAIL and ERROR counts per policy id over live resources (policies with no verdict
    /// are absent).
    pub fn policy_counts(&self) -> Result<BTreeMap<String, PolicyCounts>, StoreError> {
        const OP: &str = "count findings per policy";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT f.policy_id, f.status, count(*) FROM findings f JOIN resources r ON r.id = f.resource_id
                 WHERE r.deleted_at IS NULL GROUP BY f.policy_id, f.status",
            )
            .op(OP)?;
        let mut rows = stmt.query([]).op(OP)?;
        let mut out: BTreeMap<String, PolicyCounts> = BTreeMap::new();
        while let Some(r) = rows.next().op(OP)? {
            let (policy, status, n): (String, String, i64) = (r.get(0).op(OP)?, r.get(1).op(OP)?, r.get(2).op(OP)?);
            let counts = out.entry(policy).or_default();
            match status.as_str() {
                "PASS" => counts.pass += n,
                "FAIL" => counts.fail += n,
                _ => counts.error += n,
            }
        }
        Ok(out)
    }
}
