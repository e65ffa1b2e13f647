//! Sources: the accounts Palisade scans, with their labels, roles and opt-ins.

use super::{parse_ts, ts, SqliteStore};
use crate::error::{SqlContext, StoreError};
use palisade_model::{AccountId, Region, Source};
use rusqlite::{params, OptionalExtension};

const COLUMNS: &str = "name, account_id, label, role_arn, external_id, regions, realtime, remediation, enabled,
                       schedule, next_run_at, created_at";

fn source_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Source, StoreError>> {
    let name: String = r.get(0)?;
    let account: String = r.get(1)?;
    let regions: String = r.get(5)?;
    let next: Option<String> = r.get(10)?;
    let created: String = r.get(11)?;
    let (label, role_arn, external_id, realtime, remediation, enabled, schedule) =
        (r.get(2)?, r.get(3)?, r.get(4)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?);
    const OP: &str = "read source";
    let corrupt = |what: &'static str, message: String| StoreError::Corrupt { operation: OP, what, message };
    Ok((|| {
        Ok(Source {
            name,
            account_id: AccountId::new(account).map_err(|e| corrupt("account id", e.to_string()))?,
            label,
            role_arn,
            external_id,
            regions: serde_json::from_str::<Vec<Region>>(&regions).map_err(|e| corrupt("regions", e.to_string()))?,
            realtime,
            remediation,
            enabled,
            schedule,
            next_run_at: next.as_deref().map(|t| parse_ts(t, OP)).transpose()?,
            created_at: parse_ts(&created, OP)?,
        })
    })())
}

/// Why a source could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SourceConflict {
    #[error("a source named {0:?} already exists")]
    Name(String),
    #[error("account {0} is already the source {1:?}")]
    Account(String, String),
}

impl SqliteStore {
    /// Adds a source; fails if its name or account is already a source.
    pub fn add_source(&mut self, s: &Source) -> Result<Result<(), SourceConflict>, StoreError> {
        let tx = self.conn.transaction().op("add source")?;
        if tx.query_row("SELECT 1 FROM sources WHERE name = ?1", params![s.name], |_| Ok(())).optional().op("add source")?.is_some() {
            return Ok(Err(SourceConflict::Name(s.name.clone())));
        }
        if let Some(other) = tx
            .query_row("SELECT name FROM sources WHERE account_id = ?1", params![s.account_id.as_str()], |r| r.get(0))
            .optional()
            .op("add source")?
        {
            return Ok(Err(SourceConflict::Account(s.account_id.to_string(), other)));
        }
        let now = ts(chrono::Utc::now());
        tx.execute(
            &format!("INSERT INTO sources ({COLUMNS}, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
            params![
                s.name,
                s.account_id.as_str(),
                s.label,
                s.role_arn,
                s.external_id,
                serde_json::to_string(&s.regions).unwrap_or_else(|_| "[]".into()),
                s.realtime,
                s.remediation,
                s.enabled,
                s.schedule,
                s.next_run_at.map(ts),
                ts(s.created_at),
                now
            ],
        )
        .op("add source")?;
        tx.commit().op("add source")?;
        Ok(Ok(()))
    }

    /// Replaces every field of the source named `s.name`; `false` if there is none.
    pub fn update_source(&mut self, s: &Source) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE sources SET account_id = ?2, label = ?3, role_arn = ?4, external_id = ?5, regions = ?6,
                        realtime = ?7, remediation = ?8, enabled = ?9, schedule = ?10, next_run_at = ?11,
                        updated_at = ?12
                 WHERE name = ?1",
                params![
                    s.name,
                    s.account_id.as_str(),
                    s.label,
                    s.role_arn,
                    s.external_id,
                    serde_json::to_string(&s.regions).unwrap_or_else(|_| "[]".into()),
                    s.realtime,
                    s.remediation,
                    s.enabled,
                    s.schedule,
                    s.next_run_at.map(ts),
                    ts(chrono::Utc::now())
                ],
            )
            .op("update source")?;
        Ok(n == 1)
    }

    /// Removes a source (its resources and findings stay, as history); `false` if there is none.
    pub fn remove_source(&mut self, name: &str) -> Result<bool, StoreError> {
        let n = self.conn.execute("DELETE FROM sources WHERE name = ?1", params![name]).op("remove source")?;
        Ok(n == 1)
    }

    pub fn source(&self, name: &str) -> Result<Option<Source>, StoreError> {
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM sources WHERE name = ?1"), params![name], source_row)
            .optional()
            .op("read source")?
            .transpose()
    }

    /// Every source, by name.
    pub fn sources(&self) -> Result<Vec<Source>, StoreError> {
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM sources ORDER BY name")).op("list sources")?;
        let rows = stmt.query_map([], source_row).op("list sources")?;
        rows.map(|r| r.op("list sources")?).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn source(name: &str, account: &str) -> Source {
        Source {
            name: name.into(),
            account_id: AccountId::new(account).unwrap(),
            label: "Prod".into(),
            role_arn: Some(format!("arn:aws:iam::{account}:role/R")),
            external_id: Some("ext-123".into()),
            regions: vec![Region::new("us-east-1").unwrap()],
            realtime: true,
            remediation: false,
            enabled: true,
            schedule: "@daily".into(),
            next_run_at: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn sources_round_trip_and_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let a = source("a", "111111111111");
        store.add_source(&a).unwrap().unwrap();
        let mut read = store.source("a").unwrap().unwrap();
        assert_eq!(read.regions, a.regions);
        assert_eq!((read.realtime, read.label.as_str(), read.external_id.as_deref()), (true, "Prod", Some("ext-123")));
        assert!(matches!(store.add_source(&a).unwrap(), Err(SourceConflict::Name(_))));
        assert!(matches!(store.add_source(&source("b", "111111111111")).unwrap(), Err(SourceConflict::Account(..))));
        read.label = "Dev".into();
        assert!(store.update_source(&read).unwrap());
        assert_eq!(store.source("a").unwrap().unwrap().label, "Dev");
        assert_eq!(store.sources().unwrap().len(), 1);
        assert!(store.remove_source("a").unwrap());
        assert!(!store.remove_source("a").unwrap());
        assert!(store.source("a").unwrap().is_none());
    }
}
