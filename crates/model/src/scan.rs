//! Errors met while scanning, recorded per service and region rather than aborting the scan.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanErrorKind {
    AccessDenied,
    /// Still throttled after the SDK's retries.
    Throttling,
    /// The region is not enabled for the account (or the service is absent there).
    RegionDisabled,
    /// The request could not be sent or answered (network, timeout, endpoint).
    Transport,
    Other,
}

impl ScanErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::Throttling => "throttling",
            Self::RegionDisabled => "region_disabled",
            Self::Transport => "transport",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for ScanErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed API call during a scan: which service, region and operation, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanError {
    pub service: String,
    pub region: String,
    pub operation: String,
    pub kind: ScanErrorKind,
    pub message: String,
}
