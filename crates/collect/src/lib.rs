//! Collectors: turn cloud API responses into [`palisade_model::Resource`]s and per-call
//! [`palisade_model::ScanError`]s.
//!
//! A collector lists the resources of one service in one region, fetches one resource by
//! reference (for real-time rescans), and declares every API operation it calls together with the
//! IAM action that authorises it. Collectors never evaluate policies, never touch the store, and
//! never call a data-plane API (no object reads, no secrets).

pub mod aws;
mod emitter;
mod error;

pub use emitter::{Collected, Emitter};
pub use error::CollectError;
