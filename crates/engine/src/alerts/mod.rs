//! Where finding transitions go: alert sinks are told when a finding starts failing and when it
//! resolves, by full scans and by real-time rescans alike.

use crate::scan::{FindingChangeKind, FindingEvent};

/// A destination for finding transitions. `notify` must not block for long: a slow or failing
/// destination never holds up scanning (sinks that talk to the network queue and retry on their
/// own tasks).
pub trait AlertSink: Send + Sync {
    fn notify(&self, source: &str, events: &[FindingEvent]);
}

/// Writes each transition to the log (`palisade serve` logs at info level).
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSink;

impl AlertSink for LogSink {
    fn notify(&self, source: &str, events: &[FindingEvent]) {
        for e in events {
            let change = match e.change {
                FindingChangeKind::Opened => "FAIL",
                FindingChangeKind::Resolved => "resolved",
            };
            tracing::info!(source, policy = %e.policy_id, resource = %e.resource_id, "finding {change}");
        }
    }
}

mod http;

pub use http::{Destination, DestinationKind, HttpAlertSink, RetryPolicy};

/// Tells every sink in turn.
pub struct FanOut(pub Vec<std::sync::Arc<dyn AlertSink>>);

impl AlertSink for FanOut {
    fn notify(&self, source: &str, events: &[FindingEvent]) {
        for sink in &self.0 {
            sink.notify(source, events);
        }
    }
}
