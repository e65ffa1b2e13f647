//! Counters and the event-to-finding latency of the real-time consumer, rendered in the
//! Prometheus text format for the server's `/metrics`.

use std::collections::VecDeque;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 11] = [0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0];
/// Latencies kept for the quantiles (a sliding window of the most recent events).
const WINDOW: usize = 4096;

/// Why an event was dropped without a rescan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The account is not a source (or the source is disabled or has real-time events off).
    NotASource,
    ReadOnly,
    /// The API call failed (the event has an `errorCode`), so nothing changed.
    FailedCall,
    /// A write Palisade has no rule for (a service it does not collect).
    Unmapped,
}

impl DropReason {
    const ALL: [DropReason; 4] = [Self::NotASource, Self::ReadOnly, Self::FailedCall, Self::Unmapped];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotASource => "not_a_source",
            Self::ReadOnly => "read_only",
            Self::FailedCall => "failed_call",
            Self::Unmapped => "unmapped",
        }
    }
}

#[derive(Default)]
pub struct RealtimeMetrics {
    received: AtomicU64,
    applied: AtomicU64,
    dropped: [AtomicU64; 4],
    dead_lettered: AtomicU64,
    rescans: AtomicU64,
    rescan_errors: AtomicU64,
    receive_errors: AtomicU64,
    alerts: AtomicU64,
    latency: Mutex<Latency>,
}

#[derive(Default)]
struct Latency {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
    recent: VecDeque<f64>,
}

impl RealtimeMetrics {
    pub fn received(&self, n: usize) {
        self.received.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub fn applied(&self) {
        self.applied.fetch_add(1, Ordering::Relaxed);
    }
    pub fn dropped(&self, reason: DropReason) {
        self.dropped[reason as usize].fetch_add(1, Ordering::Relaxed);
    }
    pub fn dead_lettered(&self) {
        self.dead_lettered.fetch_add(1, Ordering::Relaxed);
    }
    pub fn rescanned(&self, resources: usize) {
        self.rescans.fetch_add(resources as u64, Ordering::Relaxed);
    }
    pub fn rescan_failed(&self) {
        self.rescan_errors.fetch_add(1, Ordering::Relaxed);
    }
    pub fn receive_failed(&self) {
        self.receive_errors.fetch_add(1, Ordering::Relaxed);
    }
    pub fn alerted(&self, n: usize) {
        self.alerts.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Records how long an event took from its time in CloudTrail to its findings committed.
    pub fn observe_latency(&self, latency: Duration) {
        let secs = latency.as_secs_f64();
        let mut l = self.latency.lock().expect("metrics lock");
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                l.buckets[i] += 1;
            }
        }
        l.count += 1;
        l.sum += secs;
        if l.recent.len() == WINDOW {
            l.recent.pop_front();
        }
        l.recent.push_back(secs);
    }

    /// The `q` quantile (0..=1) of the recent latencies, in seconds.
    pub fn latency_quantile(&self, q: f64) -> Option<f64> {
        let l = self.latency.lock().expect("metrics lock");
        quantile(l.recent.iter().copied().collect(), q)
    }

    pub fn counts(&self) -> Counts {
        Counts {
            received: self.received.load(Ordering::Relaxed),
            applied: self.applied.load(Ordering::Relaxed),
            dropped: self.dropped.iter().map(|d| d.load(Ordering::Relaxed)).sum(),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        };
        counter("palisade_events_received_total", "Queue messages received.", self.received.load(Ordering::Relaxed));
        counter(
            "palisade_events_applied_total",
            "Events whose rescans were committed.",
            self.applied.load(Ordering::Relaxed),
        );
        counter(
            "palisade_events_dead_lettered_total",
            "Messages moved to the dead-letter table.",
            self.dead_lettered.load(Ordering::Relaxed),
        );
        counter(
            "palisade_rescans_total",
            "Resources rescanned because of events.",
            self.rescans.load(Ordering::Relaxed),
        );
        counter(
            "palisade_rescan_errors_total",
            "Rescans that failed (their messages are retried).",
            self.rescan_errors.load(Ordering::Relaxed),
        );
        counter(
            "palisade_queue_receive_errors_total",
            "Failed receives from the queue.",
            self.receive_errors.load(Ordering::Relaxed),
        );
        counter(
            "palisade_alerts_total",
            "Finding transitions sent to alert sinks.",
            self.alerts.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP palisade_events_dropped_total Events dropped without a rescan, by reason.\n# TYPE palisade_events_dropped_total counter"
        );
        for reason in DropReason::ALL {
            let value = self.dropped[reason as usize].load(Ordering::Relaxed);
            let _ = writeln!(out, "palisade_events_dropped_total{{reason=\"{}\"}} {value}", reason.as_str());
        }
        let l = self.latency.lock().expect("metrics lock");
        let name = "palisade_event_to_finding_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Time from an event in CloudTrail to its findings committed.\n# TYPE {name} histogram"
        );
        for (bound, count) in BUCKETS.iter().zip(l.buckets) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {count}");
        }
        let _ =
            writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}\n{name}_sum {}\n{name}_count {}", l.count, l.sum, l.count);
        let recent: Vec<f64> = l.recent.iter().copied().collect();
        let name = "palisade_event_to_finding_recent_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Quantiles of the last {WINDOW} event-to-finding latencies.\n# TYPE {name} summary"
        );
        for q in [0.5, 0.9, 0.99] {
            if let Some(v) = quantile(recent.clone(), q) {
                let _ = writeln!(out, "{name}{{quantile=\"{q}\"}} {v}");
            }
        }
        let _ = writeln!(out, "{name}_sum {}\n{name}_count {}", recent.iter().sum::<f64>(), recent.len());
        out
    }
}

/// A snapshot of the event counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub received: u64,
    pub applied: u64,
    pub dropped: u64,
    pub dead_lettered: u64,
}

/// Nearest-rank quantile.
fn quantile(mut values: Vec<f64>, q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((q.clamp(0.0, 1.0) * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(v.clone(), 0.5), Some(50.0));
        assert_eq!(quantile(v.clone(), 0.99), Some(99.0));
        assert_eq!(quantile(v, 1.0), Some(100.0));
        assert_eq!(quantile(Vec::new(), 0.5), None);
    }

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = RealtimeMetrics::default();
        m.received(3);
        m.dropped(DropReason::NotASource);
        m.dead_lettered();
        m.applied();
        m.observe_latency(Duration::from_millis(300));
        m.observe_latency(Duration::from_millis(1200));
        let text = m.render();
        assert!(text.contains("palisade_events_received_total 3"), "{text}");
        assert!(text.contains("palisade_events_dropped_total{reason=\"not_a_source\"} 1"), "{text}");
        assert!(text.contains("palisade_events_dropped_total{reason=\"unmapped\"} 0"), "{text}");
        assert!(text.contains("palisade_events_dead_lettered_total 1"), "{text}");
        assert!(text.contains("palisade_event_to_finding_seconds_bucket{le=\"0.25\"} 0"), "{text}");
        assert!(text.contains("palisade_event_to_finding_seconds_bucket{le=\"0.5\"} 1"), "{text}");
        assert!(text.contains("palisade_event_to_finding_seconds_bucket{le=\"1.5\"} 2"), "{text}");
        assert!(text.contains("palisade_event_to_finding_seconds_count 2"), "{text}");
        assert!(text.contains("palisade_event_to_finding_recent_seconds{quantile=\"0.5\"} 0.3"), "{text}");
        assert_eq!(m.counts(), Counts { received: 3, applied: 1, dropped: 1, dead_lettered: 1 });
    }
}
