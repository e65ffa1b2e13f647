//! The store crate's error type.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening store {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("store {operation} failed: {source}")]
    Sql {
        operation: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("store {operation}: stored {what} is not valid: {message}")]
    Corrupt { operation: &'static str, what: &'static str, message: String },
    #[error("store schema version {found} is newer than this palisade understands ({supported}); upgrade palisade")]
    SchemaTooNew { found: i64, supported: i64 },
}

/// Attaches the operation name to a rusqlite error.
pub(crate) trait SqlContext<T> {
    fn op(self, operation: &'static str) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn op(self, operation: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql { operation, source })
    }
}
