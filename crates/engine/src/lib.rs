//! Scans: runs collectors concurrently, streams what they find into one store transaction,
//! evaluates each resource against the policies of its type as it arrives, and keeps the finding
//! lifecycle (opened, resolved, deleted resources swept). The scheduler runs those scans when each
//! source is due, keeping its next run in the store.
//!
//! The engine owns the pipeline's order and its invariants (one transaction per scan, deletion
//! only in fully covered scopes); it does not know how resources are fetched (collect), stored
//! (store) or judged (policy), nor how results are shown (cli, server).

mod alerts;
mod error;
pub mod realtime;
mod scan;
mod scheduler;
mod sources;

pub use alerts::{AlertSink, Destination, DestinationKind, FanOut, HttpAlertSink, LogSink, RetryPolicy};
pub use error::EngineError;
pub use scan::{scan_account, FindingChangeKind, FindingEvent, ProgressEvent, ScanOptions, ScanOutcome};
pub use scheduler::{
    enabled_pack, jitter_offset, next_run, AwsScanner, Clock, Finished, ScanResult, Schedule, ScheduleError, Scheduler,
    SchedulerOptions, SourceScanner, SystemClock,
};
pub use sources::{scan_sources, MultiScanOptions, SourceScan};
