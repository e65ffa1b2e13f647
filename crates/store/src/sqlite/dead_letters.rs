//! Dead letters: event messages that could not be applied, kept whole for inspection or replay.

use super::{parse_ts, ts, RowResult, SqliteStore};
use crate::error::{SqlContext, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::params;

/// An event message that could not be applied, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    /// Where it came from, e.g. the queue URL.
    pub origin: String,
    pub message_id: String,
    /// Why it could not be applied.
    pub reason: String,
    /// The whole body, as received.
    pub body: String,
}

impl SqliteStore {
    /// Keeps a message that could not be applied, received now; returns its id.
    pub fn record_dead_letter(
        &mut self,
        origin: &str,
        message_id: &str,
        reason: &str,
        body: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO dead_letters (received_at, origin, message_id, reason, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![ts(Utc::now()), origin, message_id, reason, body],
            )
            .op("record dead letter")?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The most recent dead letters, newest first.
    pub fn dead_letters(&self, limit: usize) -> Result<Vec<DeadLetter>, StoreError> {
        const OP: &str = "list dead letters";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, received_at, origin, message_id, reason, body FROM dead_letters ORDER BY id DESC LIMIT ?1",
            )
            .op(OP)?;
        let rows = stmt.query_map(params![limit as i64], dead_letter_row).op(OP)?;
        rows.map(|r| r.op(OP)?).collect()
    }
}

fn dead_letter_row(r: &rusqlite::Row<'_>) -> RowResult<DeadLetter> {
    let received: String = r.get(1)?;
    let (id, origin, message_id, reason, body) = (r.get(0)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
    Ok(parse_ts(&received, "list dead letters").map(|received_at| DeadLetter {
        id,
        received_at,
        origin,
        message_id,
        reason,
        body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letters_round_trip_newest_first_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("d.db")).unwrap();
        let queue = "https://sqs.us-east-1.amazonaws.com/123456789012/palisade-events";
        // A body longer than any column width a summary would keep, with quotes and newlines.
        let long_body = format!("{{\"detail\": \"{}\",\n\"x\": 'q'}}", "é".repeat(10_000));
        let before = Utc::now();
        let first = store.record_dead_letter(queue, "m-1", "not JSON", "garbage").unwrap();
        let second = store.record_dead_letter(queue, "m-2", "unknown event", &long_body).unwrap();
        assert!(second > first);
        let letters = store.dead_letters(10).unwrap();
        assert_eq!(
            letters.iter().map(|d| (d.id, d.message_id.as_str(), d.reason.as_str())).collect::<Vec<_>>(),
            vec![(second, "m-2", "unknown event"), (first, "m-1", "not JSON")]
        );
        assert_eq!(letters[0].body, long_body);
        assert_eq!(letters[0].origin, queue);
        assert!(letters[1].received_at >= before - chrono::Duration::seconds(1));
        assert_eq!(store.dead_letters(1).unwrap().len(), 1);
    }
}
