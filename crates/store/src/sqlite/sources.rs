//! Sources: the accounts Palisade scans, with their labels, roles and opt-ins.

use super::{parse_ts, ts, SqliteStore};
use crate::error::{SqlContext, StoreError};
use chrono::{DateTime, Utc};
use palisade_model::{AccountId, Region, Source};
use rusqlite::{params, OptionalExtension, TransactionBehavior};

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
        if tx
            .query_row("SELECT 1 FROM sources WHERE name = ?1", params![s.name], |_| Ok(()))
            .optional()
            .op("add source")?
            .is_some()
        {
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

    /// Replaces the fields of the source named `s.name` (its next run is the scheduler's, reset
    /// only by a schedule change); `false` if there is none.
    pub fn update_source(&mut self, s: &Source) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                // next_run_at belongs to the scheduler's claims: an update only resets it (to
                // "due now") when the schedule itself changes, so an edit racing a claim cannot
                // write back a stale, already-due time.
                "UPDATE sources SET account_id = ?2, label = ?3, role_arn = ?4, external_id = ?5, regions = ?6,
                        realtime = ?7, remediation = ?8, enabled = ?9,
                        next_run_at = CASE WHEN schedule = ?10 THEN next_run_at ELSE NULL END,
                        schedule = ?10, updated_at = ?11
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

/// A claimed source (carrying its new `next_run_at`) and the `next_run_at` it had before.
pub type ClaimedSource = (Source, Option<DateTime<Utc>>);

/// Scheduling: the scheduler owns `next_run_at` through these three methods; nothing else writes
/// it except `source update --schedule`, which clears it (the new schedule starts with a scan).
impl SqliteStore {
    /// Claims the enabled sources due at `now` (`next_run_at` unset, i.e. never scanned, or at or
    /// before `now`), at most `limit` of them, baselines first and then the longest overdue.
    ///
    /// For each, `next_run` gives the following run (or `None` to leave the source unclaimed: its
    /// schedule is unusable, or it is being scanned already), and `next_run_at` is set to it in the
    /// same `IMMEDIATE` transaction that read it, so two claimers can never both claim the same
    /// occurrence. Returns each claimed source (carrying its new `next_run_at`) with the value it
    /// had before, which [`Self::release_claim`] puts back if the scan is abandoned.
    pub fn claim_due_sources(
        &mut self,
        now: DateTime<Utc>,
        limit: usize,
        mut next_run: impl FnMut(&Source) -> Option<DateTime<Utc>>,
    ) -> Result<Vec<ClaimedSource>, StoreError> {
        const OP: &str = "claim due sources";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).op(OP)?;
        let due: Vec<Source> = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {COLUMNS} FROM sources
                     WHERE enabled = 1 AND (next_run_at IS NULL OR next_run_at <= ?1)
                     ORDER BY next_run_at IS NOT NULL, next_run_at, name"
                ))
                .op(OP)?;
            let rows = stmt.query_map(params![ts(now)], source_row).op(OP)?;
            rows.map(|r| r.op(OP)?).collect::<Result<_, _>>()?
        };
        let mut claimed = Vec::new();
        for mut source in due {
            if claimed.len() >= limit {
                break;
            }
            let Some(next) = next_run(&source) else { continue };
            let previous = source.next_run_at;
            // Compare-and-set on the value read, though the transaction already holds the write lock.
            let n = tx
                .execute(
                    "UPDATE sources SET next_run_at = ?2 WHERE name = ?1 AND next_run_at IS ?3",
                    params![source.name, ts(next), previous.map(ts)],
                )
                .op(OP)?;
            if n == 1 {
                source.next_run_at = Some(next);
                claimed.push((source, previous));
            }
        }
        tx.commit().op(OP)?;
        Ok(claimed)
    }

    /// Gives back a claim whose scan did not run to an end (the scheduler stopped): `next_run_at`
    /// returns from `claimed` to `restore`, the value before the claim, so the next scheduler runs
    /// it. Only if it is still `claimed`: a schedule changed meanwhile wins. `false` if it was not.
    pub fn release_claim(
        &mut self,
        name: &str,
        claimed: DateTime<Utc>,
        restore: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE sources SET next_run_at = ?3 WHERE name = ?1 AND next_run_at = ?2",
                params![name, ts(claimed), restore.map(ts)],
            )
            .op("release source claim")?;
        Ok(n == 1)
    }

    /// Makes due at `now` every enabled source that was claimed (its `next_run_at` is in the
    /// future) but whose claimed scan never landed: its latest full scan is still `running` (the
    /// process died mid-scan) or was `interrupted`, or it has no full scan at all (the process died
    /// before its baseline scan began); event rescans applied since do not count. Meant for a
    /// scheduler starting up, when no scan of its own runs. Returns the names of the sources made due.
    pub fn recover_cut_off_claims(&mut self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        const OP: &str = "recover cut-off scans";
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).op(OP)?;
        let names: Vec<String> = {
            let mut stmt = tx
                .prepare(
                    "SELECT name FROM sources
                     WHERE enabled = 1 AND next_run_at > ?1
                       AND coalesce((SELECT status FROM scans WHERE scans.source = sources.name AND scans.kind = 'full'
                                     ORDER BY id DESC LIMIT 1), 'none') IN ('none', 'running', 'interrupted')
                     ORDER BY name",
                )
                .op(OP)?;
            let rows = stmt.query_map(params![ts(now)], |r| r.get(0)).op(OP)?;
            rows.collect::<Result<_, _>>().op(OP)?
        };
        for name in &names {
            tx.execute("UPDATE sources SET next_run_at = ?2 WHERE name = ?1", params![name, ts(now)]).op(OP)?;
        }
        tx.commit().op(OP)?;
        Ok(names)
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

    fn at(hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2030, 1, 1, hour, 0, 0).unwrap()
    }

    fn store_with(sources: &[(&str, bool, Option<DateTime<Utc>>)]) -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        for (i, (name, enabled, next)) in sources.iter().enumerate() {
            let mut s = source(name, &format!("{:012}", 100_000_000_000u64 + i as u64));
            (s.enabled, s.next_run_at) = (*enabled, *next);
            store.add_source(&s).unwrap().unwrap();
        }
        (dir, store)
    }

    fn next_runs(store: &SqliteStore) -> Vec<(String, Option<DateTime<Utc>>)> {
        store.sources().unwrap().into_iter().map(|s| (s.name, s.next_run_at)).collect()
    }

    #[test]
    fn claims_due_sources_once_baselines_first_within_the_limit() {
        let (_dir, mut store) = store_with(&[
            ("late", true, Some(at(1))),
            ("later", true, Some(at(2))),
            ("new", true, None),
            ("off", false, None),
            ("future", true, Some(at(9))),
        ]);
        let claim = |store: &mut SqliteStore, limit| {
            store
                .claim_due_sources(at(3), limit, |_| Some(at(20)))
                .unwrap()
                .into_iter()
                .map(|(s, prev)| (s.name, s.next_run_at, prev))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            claim(&mut store, 2),
            vec![("new".into(), Some(at(20)), None), ("late".into(), Some(at(20)), Some(at(1)))]
        );
        assert_eq!(claim(&mut store, 5), vec![("later".into(), Some(at(20)), Some(at(2)))]);
        assert_eq!(claim(&mut store, 5), vec![], "a claimed occurrence is never claimed again");
        assert_eq!(store.source("off").unwrap().unwrap().next_run_at, None, "a disabled source is never claimed");
    }

    #[test]
    fn a_source_the_claimer_declines_stays_due() {
        let (_dir, mut store) = store_with(&[("a", true, Some(at(1))), ("b", true, Some(at(1)))]);
        let claimed = store.claim_due_sources(at(3), 5, |s| (s.name == "b").then(|| at(20))).unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(next_runs(&store), vec![("a".into(), Some(at(1))), ("b".into(), Some(at(20)))]);
    }

    #[test]
    fn a_released_claim_is_due_again_unless_its_schedule_changed() {
        let (_dir, mut store) = store_with(&[("a", true, None), ("b", true, Some(at(1)))]);
        store.claim_due_sources(at(3), 5, |_| Some(at(20))).unwrap();
        assert!(store.release_claim("a", at(20), None).unwrap());
        let mut b = store.source("b").unwrap().unwrap();
        b.schedule = if b.schedule == "@hourly" { "@daily".into() } else { "@hourly".into() };
        store.update_source(&b).unwrap(); // a schedule change makes it due
        let mut a = store.source("a").unwrap().unwrap();
        a.label = "Renamed".into();
        a.next_run_at = Some(at(23)); // a stale copy: updates never write the scheduler's time
        store.update_source(&a).unwrap();
        assert!(!store.release_claim("b", at(20), Some(at(1))).unwrap());
        assert_eq!(next_runs(&store), vec![("a".into(), None), ("b".into(), None)]);
    }

    #[test]
    fn recovers_claims_whose_scan_never_landed() {
        let (_dir, mut store) = store_with(&[
            ("crashed", true, Some(at(20))),
            ("interrupted", true, Some(at(20))),
            ("never-began", true, Some(at(20))),
            ("completed", true, Some(at(20))),
            ("failed", true, Some(at(20))),
            ("due-anyway", true, Some(at(1))),
            ("off", false, Some(at(20))),
        ]);
        let account = AccountId::new("123456789012").unwrap();
        // An earlier completed scan does not hide a later cut-off one.
        let earlier = store.begin_scan("crashed", &account, &[]).unwrap();
        store.scan_writer(earlier).commit(&account, &[]).unwrap();
        store.begin_scan("crashed", &account, &[]).unwrap();
        let i = store.begin_scan("interrupted", &account, &[]).unwrap();
        store.end_scan_without_results(i, crate::ScanStatus::Interrupted).unwrap();
        let c = store.begin_scan("completed", &account, &[]).unwrap();
        store.scan_writer(c).commit(&account, &[]).unwrap();
        let f = store.begin_scan("failed", &account, &[]).unwrap();
        store.end_scan_without_results(f, crate::ScanStatus::Failed).unwrap();
        // Event rescans applied since say nothing about whether the claimed scan landed.
        for name in ["crashed", "interrupted", "never-began", "completed"] {
            store.apply_rescan(name, &account, &[]).unwrap();
        }
        assert_eq!(store.recover_cut_off_claims(at(3)).unwrap(), vec!["crashed", "interrupted", "never-began"]);
        let due: Vec<_> =
            next_runs(&store).into_iter().filter(|(_, n)| *n <= Some(at(3))).map(|(name, _)| name).collect();
        assert_eq!(due, vec!["crashed", "due-anyway", "interrupted", "never-began"]);
    }
}
