//! The channel through which collectors hand resources and per-call errors to the engine.

use crate::CollectError;
use palisade_model::{Resource, ScanError};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;

/// What a collector produces, in the order it produces it.
#[derive(Debug)]
pub enum Collected {
    Resource(Box<Resource>),
    Error(ScanError),
}

/// Sends collected items downstream and counts errors so the engine knows whether a
/// (service, region) was covered completely (only complete coverage may mark resources deleted).
pub struct Emitter {
    tx: mpsc::Sender<Collected>,
    errors: AtomicUsize,
}

impl Emitter {
    pub fn new(tx: mpsc::Sender<Collected>) -> Self {
        Self { tx, errors: AtomicUsize::new(0) }
    }

    pub async fn resource(&self, resource: Resource) -> Result<(), CollectError> {
        self.tx.send(Collected::Resource(Box::new(resource))).await.map_err(|_| CollectError::Cancelled)
    }

    /// Records a failed call; the collector goes on with the next item.
    pub async fn error(&self, error: &CollectError) -> Result<(), CollectError> {
        self.errors.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %error, "collector call failed");
        self.tx.send(Collected::Error(error.to_scan_error())).await.map_err(|_| CollectError::Cancelled)
    }

    pub fn error_count(&self) -> usize {
        self.errors.load(Ordering::Relaxed)
    }
}
