//! API tokens of the server: a name, a role and the SHA-256 of the token (the token itself is
//! never stored). Hashing and generating tokens is the caller's; this file only keeps the rows.

use super::{parse_ts, ts, RowResult, SqliteStore};
use crate::error::{SqlContext, StoreError};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRole {
    /// Everything, including changes.
    Admin,
    /// Reads only.
    ReadOnly,
}

impl TokenRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::ReadOnly => "read-only",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "read-only" => Some(Self::ReadOnly),
            _ => None,
        }
    }
}

/// A stored API token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: TokenRole,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, name, role, created_at, last_used_at, revoked_at";

/// `last_used_at` is refreshed at most this often, so a busy client does not take SQLite's write
/// lock (shared with scans publishing) on every request.
const LAST_USED_GRANULARITY: Duration = Duration::seconds(60);

impl SqliteStore {
    /// Stores a new token by its hash; returns its id.
    pub fn create_api_token(&mut self, name: &str, role: TokenRole, token_hash: &str) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role.as_str(), token_hash, ts(Utc::now())],
            )
            .op("create api token")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Every token, revoked ones included, oldest first.
    pub fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        const OP: &str = "list api tokens";
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id")).op(OP)?;
        let rows = stmt.query_map([], token_row).op(OP)?;
        rows.map(|r| r.op(OP)?).collect()
    }

    /// Revokes a token; `false` if there is no such token or it was revoked already.
    pub fn revoke_api_token(&mut self, id: i64) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, ts(Utc::now())],
            )
            .op("revoke api token")?;
        Ok(n == 1)
    }

    /// The unrevoked token with this hash, if any, recording that it was used at `now`.
    pub fn authenticate_api_token(
        &mut self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ApiToken>, StoreError> {
        const OP: &str = "authenticate api token";
        let Some(mut token) = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL"),
                params![token_hash],
                token_row,
            )
            .optional()
            .op(OP)?
            .transpose()?
        else {
            return Ok(None);
        };
        if token.last_used_at.is_none_or(|t| now - t >= LAST_USED_GRANULARITY) {
            self.conn
                .execute("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", params![token.id, ts(now)])
                .op(OP)?;
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }
}

fn token_row(r: &rusqlite::Row<'_>) -> RowResult<ApiToken> {
    const OP: &str = "read api token";
    let (id, name): (i64, String) = (r.get(0)?, r.get(1)?);
    let role: String = r.get(2)?;
    let created: String = r.get(3)?;
    let last_used: Option<String> = r.get(4)?;
    let revoked: Option<String> = r.get(5)?;
    Ok((|| {
        Ok(ApiToken {
            id,
            name,
            role: TokenRole::parse(&role).ok_or_else(|| StoreError::Corrupt {
                operation: OP,
                what: "token role",
                message: format!("{role:?}"),
            })?,
            created_at: parse_ts(&created, OP)?,
            last_used_at: last_used.as_deref().map(|t| parse_ts(t, OP)).transpose()?,
            revoked_at: revoked.as_deref().map(|t| parse_ts(t, OP)).transpose()?,
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("p.db")).unwrap();
        (dir, store)
    }

    #[test]
    fn a_token_authenticates_until_revoked() {
        let (_dir, mut store) = store();
        let id = store.create_api_token("ci", TokenRole::ReadOnly, "aa11").unwrap();
        let now = Utc::now();
        let token = store.authenticate_api_token("aa11", now).unwrap().expect("valid token");
        assert_eq!((token.id, token.role, token.name.as_str()), (id, TokenRole::ReadOnly, "ci"));
        assert!(store.authenticate_api_token("bb22", now).unwrap().is_none());
        assert!(store.revoke_api_token(id).unwrap());
        assert!(!store.revoke_api_token(id).unwrap(), "revoking twice reports nothing revoked");
        assert!(store.authenticate_api_token("aa11", now).unwrap().is_none());
        let listed = store.api_tokens().unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].revoked_at.is_some());
    }

    #[test]
    fn last_used_is_recorded_at_most_once_a_minute() {
        let (_dir, mut store) = store();
        store.create_api_token("ui", TokenRole::Admin, "cc33").unwrap();
        let t0 = Utc::now();
        store.authenticate_api_token("cc33", t0).unwrap();
        store.authenticate_api_token("cc33", t0 + Duration::seconds(10)).unwrap();
        let stored = store.api_tokens().unwrap()[0].last_used_at.unwrap();
        assert_eq!(ts(stored), ts(t0));
        store.authenticate_api_token("cc33", t0 + Duration::seconds(61)).unwrap();
        let stored = store.api_tokens().unwrap()[0].last_used_at.unwrap();
        assert_eq!(ts(stored), ts(t0 + Duration::seconds(61)));
    }

    #[test]
    fn hashes_are_unique() {
        let (_dir, mut store) = store();
        store.create_api_token("a", TokenRole::Admin, "dd44").unwrap();
        assert!(store.create_api_token("b", TokenRole::Admin, "dd44").is_err());
    }
}
