//! Real-time rescans: a few resources fetched again because events named them, applied in one
//! transaction as an `event` scan. They share the full scan's upsert, finding lifecycle and
//! deletion, and the same rule against a full scan running at the same time: the newer
//! observation of a resource wins.

use super::writer::{delete_resource, record_verdict, upsert_resource, StagedFinding};
use super::{normalised_ts, ts, SqliteStore};
use crate::error::{SqlContext, StoreError};
use crate::sqlite::{FindingTransition, NewFinding};
use chrono::{DateTime, Utc};
use palisade_model::{AccountId, Compliance, FindingStatus, PolicyId, Resource, ResourceRef, Severity};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};
use std::collections::BTreeSet;

/// One policy's verdict on a rescanned resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RescanVerdict {
    pub policy_id: PolicyId,
    pub title: String,
    pub severity: Severity,
    pub compliance: Compliance,
    pub status: FindingStatus,
    pub message: String,
}

/// What a rescan found for one resource.
#[derive(Debug, Clone)]
pub enum Observation {
    /// The resource as fetched now, with every verdict of the policies for its type.
    Present { resource: Resource, verdicts: Vec<RescanVerdict> },
    /// The fetch found nothing: the resource is gone (as of `observed_at`).
    Gone { reference: ResourceRef, observed_at: DateTime<Utc> },
}

impl Observation {
    fn region(&self) -> &str {
        match self {
            Self::Present { resource, .. } => resource.region.as_str(),
            Self::Gone { reference, .. } => reference.region.as_str(),
        }
    }
}

/// What applying a rescan changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RescanApplied {
    /// The `event` scan recorded for it.
    pub scan_id: i64,
    /// Present observations applied (resource upserted, verdicts recorded).
    pub updated: usize,
    /// Stored resources marked deleted by Gone observations.
    pub deleted: usize,
    /// Observations skipped because the store holds a newer observation of their resource.
    pub stale: usize,
    pub transitions: Vec<FindingTransition>,
}

impl SqliteStore {
    /// The live (not deleted) resources of `account_id` of the given types, in `region` or in
    /// every region: what a re-collection of a service must account for.
    pub fn live_refs(
        &self,
        account_id: &AccountId,
        resource_types: &[&str],
        region: Option<&palisade_model::Region>,
    ) -> Result<Vec<ResourceRef>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT resource_type, region, id FROM resources
                 WHERE account_id = ?1 AND resource_type = ?2 AND deleted_at IS NULL AND (?3 IS NULL OR region = ?3)
                 ORDER BY id",
            )
            .op("list live resources")?;
        let mut refs = Vec::new();
        for t in resource_types {
            let rows = stmt
                .query_map(params![account_id.as_str(), t, region.map(|r| r.as_str())], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
                })
                .op("list live resources")?;
            for row in rows {
                let (resource_type, region, id) = row.op("list live resources")?;
                let corrupt = |what: &'static str, message: String| StoreError::Corrupt {
                    operation: "list live resources",
                    what,
                    message,
                };
                refs.push(ResourceRef {
                    resource_type,
                    account_id: account_id.clone(),
                    region: palisade_model::Region::new(&region).map_err(|e| corrupt("region", e.to_string()))?,
                    id: palisade_model::ResourceId::new(&id).map_err(|e| corrupt("resource id", e.to_string()))?,
                });
            }
        }
        Ok(refs)
    }

    /// Records an event scan of `source` (kind `event`, completed, over the observations'
    /// regions) and applies every observation in one `IMMEDIATE` transaction: a Present one is
    /// upserted with history and its verdicts recorded with their lifecycle, as a full scan's
    /// publish does; a Gone one marks its stored resource deleted and resolves its failures, as
    /// the sweep does (nothing if it is not stored). An observation older than the stored
    /// observation of its resource is skipped, verdicts included.
    pub fn apply_rescan(
        &mut self,
        source: &str,
        account_id: &AccountId,
        observations: &[Observation],
    ) -> Result<RescanApplied, StoreError> {
        const OP: &str = "apply rescan";
        let now = ts(Utc::now());
        let regions: BTreeSet<&str> = observations.iter().map(Observation::region).collect();
        let regions = serde_json::to_string(&regions).unwrap_or_else(|_| "[]".into());
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).op(OP)?;
        tx.execute(
            "INSERT INTO scans (kind, source, account_id, regions, status, started_at, finished_at)
             VALUES ('event', ?1, ?2, ?3, 'completed', ?4, ?4)",
            params![source, account_id.as_str(), regions, now],
        )
        .op(OP)?;
        let scan_id = tx.last_insert_rowid();
        // Policies disabled since the caller built its evaluator record nothing, as in full scans.
        let disabled: BTreeSet<String> = {
            let mut stmt = tx.prepare("SELECT policy_id FROM disabled_policies").op(OP)?;
            let ids = stmt.query_map([], |r| r.get::<_, String>(0)).op(OP)?;
            ids.collect::<Result<_, _>>().op(OP)?
        };
        let mut applied = RescanApplied { scan_id, ..Default::default() };
        let (mut evaluations, mut failing) = (0i64, 0i64);
        for observation in observations {
            match observation {
                Observation::Present { resource, verdicts } => {
                    if !upsert_resource(&tx, scan_id, resource)? {
                        applied.stale += 1;
                        continue;
                    }
                    applied.updated += 1;
                    for v in verdicts.iter().filter(|v| !disabled.contains(v.policy_id.as_str())) {
                        evaluations += 1;
                        failing += i64::from(v.status == FindingStatus::Fail);
                        let f = NewFinding {
                            policy_id: &v.policy_id,
                            title: &v.title,
                            severity: v.severity,
                            compliance: &v.compliance,
                            status: v.status,
                            message: &v.message,
                            resource,
                        };
                        record_verdict(&tx, scan_id, &now, StagedFinding::new(&f), &mut applied.transitions)?;
                    }
                }
                Observation::Gone { reference, observed_at } => {
                    let Some(stored) = live_resource(&tx, reference)? else { continue };
                    let observed = ts(*observed_at);
                    if observed < normalised_ts(&stored.last_seen, OP)? {
                        applied.stale += 1;
                        continue;
                    }
                    // last_seen becomes the time it was seen gone, so a copy collected before
                    // (by a full scan listing while it still existed) cannot bring it back.
                    tx.execute("UPDATE resources SET last_seen = ?2 WHERE id = ?1", params![stored.id, observed])
                        .op(OP)?;
                    let resolved = delete_resource(&tx, scan_id, &stored.id, &stored.content_hash, &observed, &now)?;
                    applied.transitions.extend(resolved);
                    applied.deleted += 1;
                }
            }
        }
        tx.execute(
            "UPDATE scans SET resources = ?2, evaluations = ?3, failing = ?4, finished_at = ?5 WHERE id = ?1",
            params![scan_id, (applied.updated + applied.deleted) as i64, evaluations, failing, ts(Utc::now())],
        )
        .op(OP)?;
        tx.commit().op(OP)?;
        Ok(applied)
    }
}

struct StoredResource {
    id: String,
    content_hash: String,
    last_seen: String,
}

/// The live stored resource a reference names: by exact id, else by type, account, region and
/// name, the name being the id's last `/`-segment (an event names an IAM user by
/// `arn:...:user/alice` while the stored id carries its path, `arn:...:user/division/alice`).
/// The name is used only when it names exactly one resource.
fn live_resource(tx: &Transaction<'_>, reference: &ResourceRef) -> Result<Option<StoredResource>, StoreError> {
    const OP: &str = "find rescanned resource";
    let row =
        |r: &rusqlite::Row<'_>| Ok(StoredResource { id: r.get(0)?, content_hash: r.get(1)?, last_seen: r.get(2)? });
    let by_id = tx
        .prepare_cached("SELECT id, content_hash, last_seen FROM resources WHERE id = ?1 AND deleted_at IS NULL")
        .op(OP)?
        .query_row(params![reference.id.as_str()], row)
        .optional()
        .op(OP)?;
    if by_id.is_some() {
        return Ok(by_id);
    }
    let name = reference.id.as_str().rsplit('/').next().unwrap_or_default();
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, content_hash, last_seen FROM resources
             WHERE resource_type = ?1 AND account_id = ?2 AND region = ?3 AND name = ?4 AND deleted_at IS NULL
             LIMIT 2",
        )
        .op(OP)?;
    let mut by_name = stmt
        .query_map(
            params![reference.resource_type, reference.account_id.as_str(), reference.region.as_str(), name],
            row,
        )
        .op(OP)?
        .collect::<Result<Vec<_>, _>>()
        .op(OP)?;
    Ok(if by_name.len() == 1 { by_name.pop() } else { None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::{FindingChange, FindingFilter, ScanKind, ScanStatus};
    use palisade_model::{Region, ResourceId};
    use serde_json::json;

    const SOURCE: &str = "default";
    const POLICY: &str = "AWS.S3.Bucket.Encryption";
    const BUCKETS: &str = "AWS.S3.Bucket";

    fn account() -> AccountId {
        AccountId::new("123456789012").unwrap()
    }

    fn t0() -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()
    }

    /// `t0` plus `ms` milliseconds: observation times of one test, in order.
    fn at(ms: i64) -> DateTime<Utc> {
        t0() + chrono::Duration::milliseconds(ms)
    }

    fn resource(
        resource_type: &str,
        id: &str,
        name: &str,
        attributes: serde_json::Value,
        collected_at: DateTime<Utc>,
    ) -> Resource {
        Resource {
            id: ResourceId::new(id).unwrap(),
            resource_type: resource_type.into(),
            source: SOURCE.into(),
            account_id: account(),
            region: Region::new("us-east-1").unwrap(),
            label: "Prod".into(),
            name: name.into(),
            tags: Default::default(),
            attributes,
            collected_at,
        }
    }

    fn bucket(id: &str, encrypted: bool, collected_at: DateTime<Utc>) -> Resource {
        resource(BUCKETS, id, id, json!({"encrypted": encrypted}), collected_at)
    }

    /// The bucket as fetched, with the encryption policy's verdict on it.
    fn present(id: &str, encrypted: bool, collected_at: DateTime<Utc>) -> Observation {
        let resource = bucket(id, encrypted, collected_at);
        let status = if encrypted { FindingStatus::Pass } else { FindingStatus::Fail };
        Observation::Present { resource, verdicts: vec![verdict(status)] }
    }

    fn verdict(status: FindingStatus) -> RescanVerdict {
        RescanVerdict {
            policy_id: PolicyId::new(POLICY).unwrap(),
            title: "Buckets are encrypted".into(),
            severity: Severity::High,
            compliance: [("cis".to_string(), vec!["2.1.1".to_string()])].into_iter().collect(),
            status,
            message: if status == FindingStatus::Fail { "not encrypted".into() } else { String::new() },
        }
    }

    fn gone(resource_type: &str, id: &str, observed_at: DateTime<Utc>) -> Observation {
        Observation::Gone {
            reference: ResourceRef {
                resource_type: resource_type.into(),
                account_id: account(),
                region: Region::new("us-east-1").unwrap(),
                id: ResourceId::new(id).unwrap(),
            },
            observed_at,
        }
    }

    struct Fixture {
        dir: tempfile::TempDir,
        store: SqliteStore,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("r.db")).unwrap();
        Fixture { dir, store }
    }

    fn changes(transitions: &[FindingTransition]) -> Vec<(FindingChange, &str, &str)> {
        transitions.iter().map(|t| (t.change, t.policy_id.as_str(), t.resource_id.as_str())).collect()
    }

    impl Fixture {
        fn rescan(&mut self, observations: &[Observation]) -> RescanApplied {
            self.store.apply_rescan(SOURCE, &account(), observations).unwrap()
        }

        /// A full scan of the bucket scope that sees `resources` (each with its verdict) and
        /// calls `meanwhile`, with another connection (as the event consumer has), between staging
        /// and publishing.
        fn full_scan(
            &mut self,
            resources: &[Resource],
            meanwhile: impl FnOnce(&mut SqliteStore),
        ) -> Vec<FindingTransition> {
            let id = self.store.begin_scan(SOURCE, &account(), &[]).unwrap();
            let mut w = self.store.scan_writer(id);
            let (policy, compliance) = (PolicyId::new(POLICY).unwrap(), verdict(FindingStatus::Pass).compliance);
            for r in resources {
                w.stage_resource(r).unwrap();
                let status =
                    if r.attributes["encrypted"] == json!(true) { FindingStatus::Pass } else { FindingStatus::Fail };
                let f = NewFinding {
                    policy_id: &policy,
                    title: "Buckets are encrypted",
                    severity: Severity::High,
                    compliance: &compliance,
                    status,
                    message: "",
                    resource: r,
                };
                w.stage_finding(&f).unwrap();
            }
            meanwhile(&mut SqliteStore::open(&self.dir.path().join("r.db")).unwrap());
            w.commit(&account(), &[(BUCKETS.to_string(), "us-east-1".to_string())]).unwrap().transitions
        }

        fn history(&self, id: &str) -> Vec<String> {
            let mut stmt = self
                .store
                .conn
                .prepare("SELECT change FROM resource_history WHERE resource_id = ?1 ORDER BY rowid")
                .unwrap();
            stmt.query_map(params![id], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
        }

        /// `(resource, status, resolved)` of every finding of a live resource.
        fn findings(&self) -> Vec<(String, FindingStatus, bool)> {
            let mut all: Vec<_> = self
                .store
                .findings(&FindingFilter::default())
                .unwrap()
                .into_iter()
                .map(|f| (f.resource_id.to_string(), f.status, f.resolved_at.is_some()))
                .collect();
            all.sort_by(|a, b| a.0.cmp(&b.0));
            all
        }

        fn attributes(&self, id: &str) -> Option<serde_json::Value> {
            self.store.resource(id).unwrap().map(|r| r.attributes)
        }
    }

    use FindingChange::{Opened, Resolved};

    #[test]
    fn present_creates_then_updates_with_history_opening_then_resolving() {
        let mut fx = fixture();
        let first = fx.rescan(&[present("b1", false, at(1))]);
        assert_eq!((first.updated, first.deleted, first.stale), (1, 0, 0));
        assert_eq!(changes(&first.transitions), vec![(Opened, POLICY, "b1")]);
        assert_eq!(fx.findings(), vec![("b1".into(), FindingStatus::Fail, false)]);

        let second = fx.rescan(&[present("b1", true, at(2))]);
        assert_eq!(changes(&second.transitions), vec![(Resolved, POLICY, "b1")]);
        assert_eq!(fx.findings(), vec![("b1".into(), FindingStatus::Pass, true)]);
        assert_eq!(fx.history("b1"), vec!["created", "modified"]);
        assert_eq!(fx.attributes("b1"), Some(json!({"encrypted": true})));
        assert_eq!(fx.store.resource("b1").unwrap().unwrap().collected_at, at(2));

        // Unchanged: no transition, no history row.
        assert!(fx.rescan(&[present("b1", true, at(3))]).transitions.is_empty());
        assert_eq!(fx.history("b1").len(), 2);

        let scan = fx.store.scan(first.scan_id).unwrap().unwrap();
        assert_eq!((scan.kind, scan.status, scan.source.as_str()), (ScanKind::Event, ScanStatus::Completed, SOURCE));
        assert_eq!((scan.resources, scan.evaluations, scan.failing), (1, 1, 1));
        assert_eq!(scan.regions, vec!["us-east-1"]);
        assert!(scan.finished_at.is_some());
        assert_eq!(fx.store.scan(second.scan_id).unwrap().unwrap().failing, 0);
    }

    #[test]
    fn gone_by_exact_id_deletes_and_resolves_failures() {
        let mut fx = fixture();
        fx.rescan(&[present("b1", false, at(1)), present("b2", false, at(1))]);
        let applied = fx.rescan(&[gone(BUCKETS, "b1", at(2))]);
        assert_eq!((applied.updated, applied.deleted, applied.stale), (0, 1, 0));
        assert_eq!(changes(&applied.transitions), vec![(Resolved, POLICY, "b1")]);
        assert!(fx.store.resource("b1").unwrap().is_none());
        assert_eq!(fx.history("b1"), vec!["created", "deleted"]);
        assert_eq!(fx.findings(), vec![("b2".into(), FindingStatus::Fail, false)]);
        assert_eq!(fx.store.scan(applied.scan_id).unwrap().unwrap().resources, 1);

        // Gone again, or gone for what was never stored: nothing to do.
        let again = fx.rescan(&[gone(BUCKETS, "b1", at(3)), gone(BUCKETS, "never", at(3))]);
        assert_eq!((again.deleted, again.stale, again.transitions.len()), (0, 0, 0));
        assert_eq!(fx.history("b1").len(), 2);
    }

    #[test]
    fn gone_finds_a_stored_resource_by_name_when_the_event_lacks_its_path() {
        const USERS: &str = "AWS.IAM.User";
        let mut fx = fixture();
        let stored_id = "arn:aws:iam::123456789012:user/division/alice";
        let alice = resource(USERS, stored_id, "alice", json!({"mfa": false}), at(1));
        let bob = resource(USERS, "arn:aws:iam::123456789012:user/bob", "bob", json!({"mfa": false}), at(1));
        let fail = || vec![verdict(FindingStatus::Fail)];
        fx.rescan(&[
            Observation::Present { resource: alice, verdicts: fail() },
            Observation::Present { resource: bob, verdicts: fail() },
        ]);
        let applied = fx.rescan(&[gone(USERS, "arn:aws:iam::123456789012:user/alice", at(2))]);
        assert_eq!(changes(&applied.transitions), vec![(Resolved, POLICY, stored_id)]);
        assert!(fx.store.resource(stored_id).unwrap().is_none());
        assert!(fx.store.resource("arn:aws:iam::123456789012:user/bob").unwrap().is_some());
        // The name only matches within the reference's type.
        assert_eq!(fx.rescan(&[gone(BUCKETS, "arn:aws:iam::123456789012:user/x/bob", at(3))]).deleted, 0);
        assert_eq!(fx.rescan(&[gone(USERS, "arn:aws:iam::123456789012:user/x/bob", at(3))]).deleted, 1);
    }

    #[test]
    fn observations_older_than_the_stored_one_are_skipped() {
        let mut fx = fixture();
        fx.rescan(&[present("b1", true, at(10)), present("b2", false, at(10))]);
        // Fetched before the stored copy: skipped with its verdict.
        let stale = fx.rescan(&[present("b1", false, at(5)), gone(BUCKETS, "b2", at(5))]);
        assert_eq!((stale.updated, stale.deleted, stale.stale), (0, 0, 2));
        assert!(stale.transitions.is_empty());
        assert_eq!(fx.attributes("b1"), Some(json!({"encrypted": true})));
        assert!(fx.attributes("b2").is_some());
        assert_eq!(
            fx.findings(),
            vec![("b1".into(), FindingStatus::Pass, false), ("b2".into(), FindingStatus::Fail, false)]
        );
        assert_eq!(fx.store.scan(stale.scan_id).unwrap().unwrap().resources, 0);

        // Seen gone at 20, so a copy fetched at 15 does not bring it back; one fetched at 25 does.
        fx.rescan(&[gone(BUCKETS, "b2", at(20))]);
        assert_eq!(fx.rescan(&[present("b2", false, at(15))]).stale, 1);
        assert!(fx.attributes("b2").is_none());
        let back = fx.rescan(&[present("b2", false, at(25))]);
        assert_eq!(changes(&back.transitions), vec![(Opened, POLICY, "b2")]);
    }

    #[test]
    fn a_full_scan_does_not_overwrite_newer_event_observations() {
        let mut fx = fixture();
        // "gone" is stored by an earlier full scan; the next full scan still lists it.
        fx.full_scan(&[bucket("gone", false, Utc::now() - chrono::Duration::hours(1))], |_| {});
        let now = Utc::now();
        let listed = [bucket("changed", false, now), bucket("gone", false, now)];
        let transitions = fx.full_scan(&listed, |store| {
            let later = now + chrono::Duration::seconds(1);
            let applied = store
                .apply_rescan(SOURCE, &account(), &[present("changed", true, later), gone(BUCKETS, "gone", later)])
                .unwrap();
            assert_eq!((applied.updated, applied.deleted), (1, 1));
        });
        // The scan's older copies and their FAIL verdicts were dropped.
        assert!(transitions.is_empty(), "{transitions:?}");
        assert_eq!(fx.attributes("changed"), Some(json!({"encrypted": true})));
        assert!(fx.attributes("gone").is_none());
        assert_eq!(fx.findings(), vec![("changed".into(), FindingStatus::Pass, false)]);
        assert_eq!(fx.history("gone"), vec!["created", "deleted"]);
    }

    #[test]
    fn a_full_scan_does_not_sweep_what_an_event_created_while_it_ran() {
        let mut fx = fixture();
        fx.full_scan(&[bucket("old", false, Utc::now() - chrono::Duration::hours(1))], |_| {});
        let transitions = fx.full_scan(&[], |store| {
            store.apply_rescan(SOURCE, &account(), &[present("new", false, Utc::now())]).unwrap();
        });
        // "old" was last seen before this scan began: swept. "new" was seen during it: kept.
        assert_eq!(changes(&transitions), vec![(Resolved, POLICY, "old")]);
        assert!(fx.attributes("old").is_none());
        assert!(fx.attributes("new").is_some());
        assert_eq!(fx.findings(), vec![("new".into(), FindingStatus::Fail, false)]);
    }

    #[test]
    fn event_scans_are_not_a_sources_latest_scan_and_are_never_interrupted() {
        let mut fx = fixture();
        let full = fx.store.begin_scan(SOURCE, &account(), &[]).unwrap();
        fx.store.scan_writer(full).commit(&account(), &[]).unwrap();
        let event = fx.rescan(&[present("b1", true, at(1))]).scan_id;
        assert_eq!(fx.store.last_scans_by_source().unwrap()[SOURCE].id, full);
        let running = fx.store.begin_scan(SOURCE, &account(), &[]).unwrap();
        let event_during = fx.rescan(&[present("b1", true, at(2))]).scan_id;
        assert_eq!(fx.store.last_scans_by_source().unwrap()[SOURCE].id, running);
        let next = fx.store.begin_scan(SOURCE, &account(), &[]).unwrap();
        assert_eq!(fx.store.scan(running).unwrap().unwrap().status, ScanStatus::Interrupted);
        for id in [event, event_during] {
            assert_eq!(fx.store.scan(id).unwrap().unwrap().status, ScanStatus::Completed);
        }
        let recent: Vec<_> = fx.store.recent_scans(10).unwrap().into_iter().map(|s| (s.id, s.kind)).collect();
        assert_eq!(
            recent,
            vec![
                (next, ScanKind::Full),
                (event_during, ScanKind::Event),
                (running, ScanKind::Full),
                (event, ScanKind::Event),
                (full, ScanKind::Full)
            ]
        );
    }
}
