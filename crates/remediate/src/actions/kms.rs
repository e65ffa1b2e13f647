//! KMS fix: automatic rotation of a customer managed key's material.

use crate::action::{call, ActionSpec, Effect};
use crate::error::api_error;
use crate::{RemediateError, WriteContext};
use palisade_model::Resource;
use serde_json::{json, Value};

pub(crate) const ENABLE_KEY_ROTATION: ActionSpec = ActionSpec {
    id: "kms-enable-key-rotation",
    title: "Turn on automatic rotation of the key material (KMS's default period, a year)",
    resource_types: &["AWS.KMS.Key"],
    params: &[],
    calls: &[
        call("KMS", "GetKeyRotationStatus", "kms:GetKeyRotationStatus"),
        call("KMS", "EnableKeyRotation", "kms:EnableKeyRotation"),
    ],
};

fn decide_enable_key_rotation(enabled: Option<bool>, key: &str) -> Effect {
    let before = json!({ "KeyRotationEnabled": enabled });
    match enabled {
        Some(false) => Effect {
            before,
            after: json!({ "KeyRotationEnabled": true }),
            changes: vec![format!("turn on automatic rotation of key {key}")],
            left_alone: Vec::new(),
        },
        Some(true) => Effect { after: before.clone(), before, changes: Vec::new(), left_alone: Vec::new() },
        // The collector reports null where rotation does not apply (AWS managed, asymmetric,
        // imported or pending deletion keys).
        None => Effect {
            after: before.clone(),
            before,
            changes: Vec::new(),
            left_alone: vec![format!("automatic rotation does not apply to key {key}")],
        },
    }
}

/// The key's id: its `KeyId` attribute, else the last part of its ARN.
fn key_id(resource: &Resource) -> &str {
    resource
        .attributes
        .get("KeyId")
        .and_then(Value::as_str)
        .unwrap_or_else(|| resource.id.as_str().rsplit('/').next().unwrap_or_default())
}

pub(crate) fn plan_enable_key_rotation(resource: &Resource) -> Effect {
    let enabled = resource.attributes.get("KeyRotationEnabled").and_then(Value::as_bool);
    decide_enable_key_rotation(enabled, key_id(resource))
}

pub(crate) async fn apply_enable_key_rotation(
    ctx: &WriteContext,
    resource: &Resource,
) -> Result<Effect, RemediateError> {
    let key = key_id(resource);
    let kms = ctx.kms(&resource.region);
    let read = || async {
        kms.get_key_rotation_status()
            .key_id(key)
            .send()
            .await
            .map(|o| o.key_rotation_enabled())
            .map_err(|e| api_error("kms", "GetKeyRotationStatus", format!("key {key}"), e))
    };
    let mut effect = decide_enable_key_rotation(Some(read().await?), key);
    if effect.changed() {
        kms.enable_key_rotation()
            .key_id(key)
            .send()
            .await
            .map_err(|e| api_error("kms", "EnableKeyRotation", format!("key {key}"), e))?;
    }
    effect.after = json!({ "KeyRotationEnabled": read().await? });
    Ok(effect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_is_turned_on_where_it_applies() {
        assert!(decide_enable_key_rotation(Some(false), "k").changed());
        assert!(!decide_enable_key_rotation(Some(true), "k").changed());
        let na = decide_enable_key_rotation(None, "k");
        assert!(!na.changed() && na.left_alone.len() == 1);
    }
}
