//! The policies a report knows about, looked up by id.

use palisade_model::PolicyMetadata;
use std::collections::BTreeMap;

/// Policy metadata by policy id. Findings carry only a policy's id, title and severity; the
/// catalog adds what reports also show (description, remediation, references, compliance).
#[derive(Debug, Clone, Default)]
pub struct Catalog<'a> {
    policies: BTreeMap<&'a str, &'a PolicyMetadata>,
}

impl<'a> Catalog<'a> {
    pub fn new(policies: impl IntoIterator<Item = &'a PolicyMetadata>) -> Self {
        Self { policies: policies.into_iter().map(|p| (p.id.as_str(), p)).collect() }
    }

    pub fn get(&self, id: &str) -> Option<&'a PolicyMetadata> {
        self.policies.get(id).copied()
    }

    /// Every policy, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &'a PolicyMetadata> + '_ {
        self.policies.values().copied()
    }
}
