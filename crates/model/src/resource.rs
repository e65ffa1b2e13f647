//! A collected cloud resource: typed, normalised JSON attributes plus where it lives.

use crate::{AccountId, Region, ResourceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// One resource as a collector saw it. `attributes` are the policy authors' API and are
/// documented per type in `docs/resources.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub id: ResourceId,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub source: String,
    pub account_id: AccountId,
    pub region: Region,
    pub label: String,
    pub name: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub attributes: serde_json::Value,
    pub collected_at: DateTime<Utc>,
}

impl Resource {
    /// Hash of what a policy can see that changes with the resource (not `collected_at`), so an
    /// unchanged resource can be recognised without comparing documents.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in [self.resource_type.as_str(), self.name.as_str(), self.region.as_str(), self.label.as_str()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        // serde_json's map is ordered (BTreeMap) without `preserve_order`, so this is canonical.
        h.update(serde_json::to_vec(&self.tags).unwrap_or_default());
        h.update([0]);
        h.update(serde_json::to_vec(&self.attributes).unwrap_or_default());
        let digest = h.finalize();
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            resource_type: self.resource_type.clone(),
            account_id: self.account_id.clone(),
            region: self.region.clone(),
            id: self.id.clone(),
        }
    }
}

/// Names one resource without its contents: what a real-time event or a rescan asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ResourceRef {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub account_id: AccountId,
    pub region: Region,
    pub id: ResourceId,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bucket(attrs: serde_json::Value) -> Resource {
        Resource {
            id: ResourceId::new("arn:aws:s3:::b").unwrap(),
            resource_type: "AWS.S3.Bucket".into(),
            source: "default".into(),
            account_id: AccountId::new("123456789012").unwrap(),
            region: Region::new("us-east-1").unwrap(),
            label: "Dev".into(),
            name: "b".into(),
            tags: BTreeMap::new(),
            attributes: attrs,
            collected_at: Utc::now(),
        }
    }

    #[test]
    fn hash_ignores_collection_time_but_not_attributes() {
        let a = bucket(json!({"x": 1, "y": [1, 2]}));
        let mut b = a.clone();
        b.collected_at += chrono::Duration::seconds(5);
        assert_eq!(a.content_hash(), b.content_hash());
        let c = bucket(json!({"x": 2, "y": [1, 2]}));
        assert_ne!(a.content_hash(), c.content_hash());
    }

    #[test]
    fn serialises_type_field() {
        let v = serde_json::to_value(bucket(json!({}))).unwrap();
        assert_eq!(v["type"], "AWS.S3.Bucket");
        assert_eq!(v["account_id"], "123456789012");
    }
}
