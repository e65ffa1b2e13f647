//! Automatic remediation, the loop `palisade serve` runs: every interval it applies the fixes of
//! findings that have failed for at least the configured delay, and, when real-time rescans send
//! it the resources whose findings just started failing, it fixes those at once.
//!
//! The gates are the runner's: only sources that opted in, policies that name a remediation, and
//! findings that are not suppressed; a failed fix is not tried again until its resource changes.
//! A run that cannot proceed (the store busy, say) is logged and the loop goes on.

use crate::action::Params;
use crate::runner::{Mode, Outcome, OutcomeStatus, RemediationOptions, RemediationRunner};
use crate::REMEDIATION_ROLE_NAME;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How `serve` remediates.
#[derive(Debug, Clone)]
pub struct AutoOptions {
    /// A finding is fixed once it has failed this long (zero: at the first run after it fails).
    pub delay: chrono::Duration,
    /// How often failing findings are looked for.
    pub interval: Duration,
    pub role_name: String,
    pub params: Params,
}

impl Default for AutoOptions {
    fn default() -> Self {
        Self {
            delay: chrono::Duration::hours(1),
            interval: Duration::from_secs(60),
            role_name: REMEDIATION_ROLE_NAME.to_string(),
            params: Params::new(),
        }
    }
}

/// The remediation loop of `serve`.
pub struct AutoRemediation {
    runner: RemediationRunner,
    opts: AutoOptions,
}

impl AutoRemediation {
    pub fn new(runner: RemediationRunner, opts: AutoOptions) -> Self {
        Self { runner, opts }
    }

    /// Runs until `stop` turns true. `events` carries resource ids whose findings a real-time
    /// rescan just opened; they are fixed without waiting for the delay.
    pub async fn run(mut self, mut events: mpsc::UnboundedReceiver<Vec<String>>, mut stop: watch::Receiver<bool>) {
        let mut interval = tokio::time::interval(self.opts.interval);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let base = RemediationOptions {
            mode: Mode::Apply,
            params: self.opts.params.clone(),
            role_name: self.opts.role_name.clone(),
            ..RemediationOptions::default()
        };
        loop {
            if *stop.borrow() {
                return;
            }
            let opts = tokio::select! {
                _ = stop.changed() => continue,
                _ = interval.tick() => RemediationOptions { min_failing_for: self.opts.delay, ..base.clone() },
                Some(mut ids) = events.recv() => {
                    // A burst of events is one run.
                    while let Ok(more) = events.try_recv() {
                        ids.extend(more);
                    }
                    ids.sort();
                    ids.dedup();
                    RemediationOptions { resource_ids: ids, ..base.clone() }
                }
            };
            match self.runner.run(&opts).await {
                Ok(outcomes) => log_outcomes(&outcomes),
                Err(e) => tracing::warn!(error = %e, "automatic remediation could not run; trying again later"),
            }
        }
    }
}

fn log_outcomes(outcomes: &[Outcome]) {
    for o in outcomes {
        match o.status {
            OutcomeStatus::Applied => tracing::info!(
                source = %o.source, policy = %o.policy_id, resource = %o.resource_id, action = %o.action,
                verified = ?o.verified, "remediated automatically"
            ),
            OutcomeStatus::Failed => tracing::warn!(
                source = %o.source, policy = %o.policy_id, resource = %o.resource_id, action = %o.action,
                reason = o.reason.as_deref().unwrap_or(""), "automatic remediation failed"
            ),
            OutcomeStatus::Planned | OutcomeStatus::Unchanged | OutcomeStatus::Skipped => {}
        }
    }
}
