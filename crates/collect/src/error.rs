//! The collect crate's error type.

use palisade_model::{ScanError, ScanErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// An API call failed; `kind` says whether it was denied, throttled, and so on.
    #[error("{service} {operation} in {region} failed ({kind}): {message}")]
    Api { service: String, region: String, operation: String, kind: ScanErrorKind, message: String },
    #[error("loading AWS configuration: {0}")]
    Config(String),
    #[error("resource type {0:?} is not collected by any collector")]
    UnsupportedType(String),
    #[error("the scan was cancelled")]
    Cancelled,
}

impl CollectError {
    /// The scan-error record for this failure, if it is one that belongs in the scan's error list.
    pub fn to_scan_error(&self) -> ScanError {
        match self {
            Self::Api { service, region, operation, kind, message } => ScanError {
                service: service.clone(),
                region: region.clone(),
                operation: operation.clone(),
                kind: *kind,
                message: message.clone(),
            },
            other => ScanError {
                service: String::new(),
                region: String::new(),
                operation: String::new(),
                kind: ScanErrorKind::Other,
                message: other.to_string(),
            },
        }
    }
}
