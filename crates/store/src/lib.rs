//! Persistence for Palisade: resources (current state and change history), findings (current
//! verdicts and their status history), scan runs and their errors.
//!
//! The embedded backend is SQLite in WAL mode, one file. A scan stages its writes and publishes
//! them in one transaction ([`ScanWriter::commit`]), so a scan that is interrupted or crashes
//! leaves the previous results exactly as they were, and several scans can run at once.
//! A real-time rescan of a few resources is applied in one transaction too
//! ([`SqliteStore::apply_rescan`]); whichever observation of a resource is newer wins.
//! This crate knows nothing of clouds or policy engines.

mod error;
mod schema;
mod sqlite;

pub use error::StoreError;
pub use sqlite::{ApiToken, PolicyCounts, ResourceChange, ResourceFilter, ResourceRecord, TokenRole};
pub use sqlite::{
    AuditFilter, AuditMode, AuditResult, DeadLetter, FindingChange, FindingFilter, FindingTransition, NewFinding,
    Observation, Published, RemediationRecord, RescanApplied, RescanVerdict, ScanKind, ScanRun, ScanStatus,
    ScanSummary, ScanWriter, SourceConflict, SqliteStore, Suppression,
};
pub use sqlite::{Facets, UiSession};
