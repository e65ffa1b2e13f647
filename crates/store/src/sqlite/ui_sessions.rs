//! Web UI sessions: a session id's SHA-256 (never the id), the API token that signed in, and a
//! fixed expiry. A session is valid while it has not expired and its token is not revoked; its
//! role is the token's. Making ids and hashing them is the caller's.

use super::{parse_ts, ts, SqliteStore};
use crate::error::{SqlContext, StoreError};
use crate::{ApiToken, TokenRole};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// A valid session: who signed in and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiSession {
    pub token: ApiToken,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl SqliteStore {
    /// Records a session for `token_id` until `expires_at`, and drops sessions expired at `now`.
    pub fn create_ui_session(
        &mut self,
        id_hash: &str,
        token_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        const OP: &str = "create ui session";
        let tx = self.conn.transaction().op(OP)?;
        tx.execute("DELETE FROM ui_sessions WHERE expires_at <= ?1", params![ts(now)]).op(OP)?;
        tx.execute(
            "INSERT INTO ui_sessions (id_hash, token_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![id_hash, token_id, ts(now), ts(expires_at)],
        )
        .op(OP)?;
        tx.commit().op(OP)
    }

    /// The session with this hash if it is valid at `now`: not expired, its token not revoked.
    pub fn ui_session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<Option<UiSession>, StoreError> {
        const OP: &str = "read ui session";
        let row = self
            .conn
            .query_row(
                "SELECT t.id, t.name, t.role, t.created_at, t.last_used_at, s.created_at, s.expires_at
                 FROM ui_sessions s JOIN api_tokens t ON t.id = s.token_id
                 WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND t.revoked_at IS NULL",
                params![id_hash, ts(now)],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .optional()
            .op(OP)?;
        let Some((id, name, role, token_created, last_used, created, expires)) = row else { return Ok(None) };
        let role = TokenRole::parse(&role).ok_or_else(|| StoreError::Corrupt {
            operation: OP,
            what: "token role",
            message: format!("{role:?}"),
        })?;
        Ok(Some(UiSession {
            token: ApiToken {
                id,
                name,
                role,
                created_at: parse_ts(&token_created, OP)?,
                last_used_at: last_used.as_deref().map(|t| parse_ts(t, OP)).transpose()?,
                revoked_at: None,
            },
            created_at: parse_ts(&created, OP)?,
            expires_at: parse_ts(&expires, OP)?,
        }))
    }

    /// Ends a session (signing out); false when there was none.
    pub fn delete_ui_session(&mut self, id_hash: &str) -> Result<bool, StoreError> {
        let n =
            self.conn.execute("DELETE FROM ui_sessions WHERE id_hash = ?1", params![id_hash]).op("end ui session")?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_session_lasts_until_it_expires_is_deleted_or_its_token_is_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
        let token = store.create_api_token("ui", TokenRole::ReadOnly, "t1").unwrap();
        let now = Utc::now();
        store.create_ui_session("s1", token, now, now + Duration::hours(1)).unwrap();
        store.create_ui_session("s2", token, now, now + Duration::hours(1)).unwrap();
        let s = store.ui_session("s1", now).unwrap().expect("valid session");
        assert_eq!((s.token.id, s.token.role), (token, TokenRole::ReadOnly));
        assert!(store.ui_session("nope", now).unwrap().is_none());
        assert!(store.ui_session("s1", now + Duration::hours(2)).unwrap().is_none(), "expired");

        assert!(store.delete_ui_session("s1").unwrap());
        assert!(!store.delete_ui_session("s1").unwrap());
        assert!(store.ui_session("s1", now).unwrap().is_none());

        store.revoke_api_token(token).unwrap();
        assert!(store.ui_session("s2", now).unwrap().is_none(), "revoking the token ends its sessions");

        // Making a session sweeps the expired ones.
        let other = store.create_api_token("ui2", TokenRole::Admin, "t2").unwrap();
        store.create_ui_session("old", other, now - Duration::hours(3), now - Duration::hours(2)).unwrap();
        store.create_ui_session("new", other, now, now + Duration::hours(1)).unwrap();
        let left: i64 =
            store.conn.query_row("SELECT count(*) FROM ui_sessions WHERE id_hash = 'old'", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0);
    }
}
