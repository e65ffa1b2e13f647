//! Suppressions: a policy's findings a user chose to accept on the resources whose id matches a
//! glob, with the reason and an optional expiry. Remediation never fixes a suppressed finding.

use super::{parse_ts, ts, RowResult, SqliteStore};
use crate::error::{SqlContext, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

/// One suppression as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub id: i64,
    pub policy_id: String,
    /// A glob over resource ids: `*` matches any run of characters, `?` one character.
    pub resource_pattern: String,
    pub reason: String,
    /// After this it no longer applies; `None` never expires.
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Suppression {
    /// Whether this suppression covers the finding `(policy_id, resource_id)` at `now`.
    pub fn covers(&self, policy_id: &str, resource_id: &str, now: DateTime<Utc>) -> bool {
        self.policy_id == policy_id
            && self.expires_at.is_none_or(|e| now < e)
            && glob_match(&self.resource_pattern, resource_id)
    }
}

impl SqliteStore {
    /// Suppresses `policy_id` on the resources matching `resource_pattern`; returns its id.
    pub fn add_suppression(
        &mut self,
        policy_id: &str,
        resource_pattern: &str,
        reason: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO suppressions (policy_id, resource_pattern, reason, expires_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![policy_id, resource_pattern, reason, expires_at.map(ts), ts(Utc::now())],
            )
            .op("add suppression")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every suppression, expired ones included, oldest first.
    pub fn suppressions(&self) -> Result<Vec<Suppression>, StoreError> {
        const OP: &str = "list suppressions";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, policy_id, resource_pattern, reason, expires_at, created_at FROM suppressions ORDER BY id",
            )
            .op(OP)?;
        let rows = stmt.query_map([], suppression_row).op(OP)?;
        rows.map(|r| r.op(OP)?).collect()
    }

    /// Removes a suppression; false when there was none with that id.
    pub fn remove_suppression(&mut self, id: i64) -> Result<bool, StoreError> {
        let n = self.conn.execute("DELETE FROM suppressions WHERE id = ?1", params![id]).op("remove suppression")?;
        Ok(n == 1)
    }

    /// Whether a suppression in force at `now` covers the finding `(policy_id, resource_id)`.
    pub fn is_suppressed(&self, policy_id: &str, resource_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        const OP: &str = "check suppressions";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, policy_id, resource_pattern, reason, expires_at, created_at FROM suppressions
                 WHERE policy_id = ?1",
            )
            .op(OP)?;
        let rows = stmt.query_map(params![policy_id], suppression_row).op(OP)?;
        for row in rows {
            if row.op(OP)??.covers(policy_id, resource_id, now) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

fn suppression_row(r: &rusqlite::Row<'_>) -> RowResult<Suppression> {
    const OP: &str = "read suppression";
    let expires: Option<String> = r.get(4)?;
    let created: String = r.get(5)?;
    let (id, policy_id, resource_pattern, reason) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    Ok((|| {
        Ok(Suppression {
            id,
            policy_id,
            resource_pattern,
            reason,
            expires_at: expires.as_deref().map(|t| parse_ts(t, OP)).transpose()?,
            created_at: parse_ts(&created, OP)?,
        })
    })())
}

/// Glob match over the whole text: `*` any run of characters (`/` included, as resource ids are
/// ARNs), `?` exactly one character, everything else literally and case-sensitively.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it currently stands for the end of.
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            ti = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, expected: bool) {
        assert_eq!(glob_match(pattern, text), expected, "{pattern:?} against {text:?}");
    }

    #[test]
    fn globs_match_whole_resource_ids() {
        check("arn:aws:s3:::logs-*", "arn:aws:s3:::logs-2024", true);
        check("arn:aws:s3:::logs-*", "arn:aws:s3:::data", false);
        check("*", "anything/at:all", true);
        check(
            "arn:aws:ec2:*:111122223333:security-group/*",
            "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1",
            true,
        );
        check(
            "arn:aws:ec2:*:111122223333:security-group/*",
            "arn:aws:ec2:eu-west-1:999922223333:security-group/sg-1",
            false,
        );
        check("sg-??", "sg-12", true);
        check("sg-??", "sg-123", false);
        check("a*b*c", "aXXbYYc", true);
        check("a*b*c", "aXXbYY", false);
        check("exact", "exact", true);
        check("exact", "exactly", false);
        check("", "", true);
        check("Bucket", "bucket", false);
    }

    #[test]
    fn suppressions_apply_to_their_policy_and_pattern_until_they_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let now = Utc::now();
        let forever = store.add_suppression("P.Bucket", "arn:aws:s3:::public-*", "website buckets", None).unwrap();
        let expired =
            store.add_suppression("P.Key", "*", "rotation planned", Some(now - chrono::Duration::hours(1))).unwrap();
        let future =
            store.add_suppression("P.Trail", "*", "until Friday", Some(now + chrono::Duration::days(2))).unwrap();

        assert!(store.is_suppressed("P.Bucket", "arn:aws:s3:::public-site", now).unwrap());
        assert!(!store.is_suppressed("P.Bucket", "arn:aws:s3:::private", now).unwrap());
        assert!(!store.is_suppressed("P.Other", "arn:aws:s3:::public-site", now).unwrap());
        assert!(!store.is_suppressed("P.Key", "any", now).unwrap(), "expired");
        assert!(store.is_suppressed("P.Trail", "any", now).unwrap());
        assert!(!store.is_suppressed("P.Trail", "any", now + chrono::Duration::days(3)).unwrap());

        let listed = store.suppressions().unwrap();
        assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![forever, expired, future]);
        assert_eq!(listed[0].reason, "website buckets");
        assert!(store.remove_suppression(forever).unwrap());
        assert!(!store.remove_suppression(forever).unwrap());
        assert!(!store.is_suppressed("P.Bucket", "arn:aws:s3:::public-site", now).unwrap());
    }
}
