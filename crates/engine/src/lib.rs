//! Scans: runs collectors concurrently, streams what they find into one store transaction,
//! evaluates each resource against the policies of its type as it arrives, and keeps the finding
//! lifecycle (opened, resolved, deleted resources swept).
//!
//! The engine owns the pipeline's order and its invariants (one transaction per scan, deletion
//! only in fully covered scopes); it does not know how resources are fetched (collect), stored
//! (store) or judged (policy), nor how results are shown (cli, server).

mod error;
mod scan;
mod sources;

pub use error::EngineError;
pub use sources::{scan_sources, MultiScanOptions, SourceScan};
pub use scan::{scan_account, FindingChangeKind, FindingEvent, ProgressEvent, ScanOptions, ScanOutcome};
