//! What policies and compliance frameworks say about themselves: plain data read from a policy
//! pack, shared by the evaluator (which produces findings) and reports (which explain them).
//!
//! Parsing lives in `palisade-policy`; these types live here so that a report can be built from
//! findings and metadata without depending on the policy engine.

use crate::{Compliance, PolicyId, Severity};
use serde::{Deserialize, Serialize};

/// What a policy says about itself (its `# METADATA` block). Reports, the API and remediation
/// read these fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyMetadata {
    pub id: PolicyId,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub resource_types: Vec<String>,
    pub remediation: String,
    /// The id of an automatic remediation action, when one exists.
    pub remediation_id: Option<String>,
    pub references: Vec<String>,
    pub compliance: Compliance,
}

impl PolicyMetadata {
    /// The controls of `framework` this policy provides evidence for (empty when none).
    pub fn controls_of(&self, framework: &str) -> &[String] {
        self.compliance.get(framework).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// A compliance framework (a benchmark such as CIS AWS Foundations v3.0.0): its controls, in the
/// benchmark's order. Which policies back a control is not stored here: it comes from the
/// policies' own `compliance` metadata, so a mapping is written once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framework {
    /// The key policies use in their `compliance` map, e.g. `cis-aws-foundations-3.0`.
    pub id: String,
    pub title: String,
    pub version: String,
    pub controls: Vec<Control>,
}

impl Framework {
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id == id)
    }
}

/// One control (recommendation) of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Control {
    /// The benchmark's own numbering, e.g. `2.1.4`.
    pub id: String,
    pub title: String,
    /// The heading the control sits under, e.g. `2.1 Simple Storage Service (S3)`.
    pub section: String,
    /// The benchmark assesses this control by hand: no policy can decide it.
    pub manual: bool,
}
