//! The distinct values a listing can be filtered by (resource types, accounts, labels, regions),
//! for the filter menus of the web UI.

use super::SqliteStore;
use crate::error::{SqlContext, StoreError};

/// Distinct values over every stored resource (live and deleted), each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub resource_types: Vec<String>,
    pub account_ids: Vec<String>,
    pub labels: Vec<String>,
    pub regions: Vec<String>,
}

impl SqliteStore {
    pub fn facets(&self) -> Result<Facets, StoreError> {
        const OP: &str = "list filter values";
        // Column names are constants of this function, never input.
        let distinct = |column: &str| -> Result<Vec<String>, StoreError> {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT DISTINCT {column} FROM resources WHERE {column} != '' ORDER BY {column}"))
                .op(OP)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).op(OP)?;
            rows.collect::<Result<_, _>>().op(OP)
        };
        Ok(Facets {
            resource_types: distinct("resource_type")?,
            account_ids: distinct("account_id")?,
            labels: distinct("label")?,
            regions: distinct("region")?,
        })
    }
}
