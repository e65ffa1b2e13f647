//! The verdict of one policy on one resource, with its lifecycle timestamps.

use crate::{AccountId, PolicyId, Region, ResourceId, Severity};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Framework id (`cis-aws-foundations-3.0`) -> control ids (`["2.1.1"]`).
pub type Compliance = BTreeMap<String, Vec<String>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FindingStatus {
    Pass,
    Fail,
    /// The policy could not be evaluated on this resource (a runtime error in the policy).
    Error,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Error => "ERROR",
        }
    }
}

impl fmt::Display for FindingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FindingStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "PASS" => Ok(Self::Pass),
            "FAIL" => Ok(Self::Fail),
            "ERROR" => Ok(Self::Error),
            _ => Err(format!("unknown finding status {s:?}: expected PASS, FAIL or ERROR")),
        }
    }
}

/// One row of the findings table: `(policy_id, resource_id)` is the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub policy_id: PolicyId,
    pub title: String,
    pub severity: Severity,
    pub status: FindingStatus,
    pub resource_id: ResourceId,
    pub resource_type: String,
    pub source: String,
    pub account_id: AccountId,
    pub region: Region,
    pub label: String,
    pub message: String,
    pub compliance: Compliance,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Set when the finding stopped failing (passed again, or its resource was deleted).
    pub resolved_at: Option<DateTime<Utc>>,
}
