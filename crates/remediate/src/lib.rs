//! Remediation: opt-in fixes of failing findings through the official AWS SDK.
//!
//! Each [`Action`] is an idempotent function over one resource, named by a stable id that
//! policies give as their `remediation_id`. It declares every API call it makes with the IAM
//! action that authorises it (the remediation role is generated from those declarations), plans
//! what would change from the resource's stored attributes alone, and applies the change by
//! reading the current state, changing only what is still wrong, and reading it back.
//!
//! [`RemediationRunner`] decides which findings to fix (failing, with a remediation, source opted
//! in, not suppressed, not an earlier failure on the same state), writes one audit row per
//! finding, and rescans each fixed resource through the read-only role to record whether the
//! finding resolved.
//!
//! Writes go only through a source's remediation role, never the read-only role scans use; this
//! crate is the only one that changes anything in a cloud account. It does not scan or schedule:
//! `palisade remediate` runs it on demand, and `palisade serve` runs [`AutoRemediation`], its loop
//! over the findings that have failed for the configured delay or were just opened by an event.

mod action;
mod actions;
mod auto;
mod context;
mod error;
mod rescan;
mod runner;

pub use action::{all_calls, required_iam_actions, Action, ActionSpec, Effect, ParamSpec, Params, IDENTITY_CALLS};
pub use auto::{AutoOptions, AutoRemediation};
pub use context::{remediation_role_arn, WriteContext, REMEDIATION_ROLE_NAME};
pub use error::RemediateError;
pub use runner::{remediate_source, Mode, Outcome, OutcomeStatus, RemediationOptions, RemediationRunner};
