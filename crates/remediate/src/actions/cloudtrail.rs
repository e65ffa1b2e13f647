//! CloudTrail fix: log file validation (signed digest files) on a trail.

use crate::action::{call, ActionSpec, Effect};
use crate::error::api_error;
use crate::{RemediateError, WriteContext};
use palisade_model::Resource;
use serde_json::{json, Value};

pub(crate) const LOG_FILE_VALIDATION: ActionSpec = ActionSpec {
    id: "cloudtrail-enable-log-file-validation",
    title: "Turn on log file validation for the trail",
    resource_types: &["AWS.CloudTrail.Trail"],
    params: &[],
    calls: &[
        call("CloudTrail", "GetTrail", "cloudtrail:GetTrail"),
        call("CloudTrail", "UpdateTrail", "cloudtrail:UpdateTrail"),
    ],
};

fn decide_log_file_validation(enabled: Option<bool>, trail: &str) -> Effect {
    let before = json!({ "LogFileValidationEnabled": enabled });
    if enabled == Some(true) {
        return Effect { after: before.clone(), before, changes: Vec::new(), left_alone: Vec::new() };
    }
    Effect {
        before,
        after: json!({ "LogFileValidationEnabled": true }),
        changes: vec![format!("turn on log file validation for trail {trail}")],
        left_alone: Vec::new(),
    }
}

pub(crate) fn plan_log_file_validation(resource: &Resource) -> Effect {
    let enabled = resource.attributes.get("LogFileValidationEnabled").and_then(Value::as_bool);
    decide_log_file_validation(enabled, &resource.name)
}

pub(crate) async fn apply_log_file_validation(
    ctx: &WriteContext,
    resource: &Resource,
) -> Result<Effect, RemediateError> {
    // The ARN names the trail unambiguously; the client is in its home region, where it can be updated.
    let trail = resource.id.as_str();
    let client = ctx.cloudtrail(&resource.region);
    let read = || async {
        client
            .get_trail()
            .name(trail)
            .send()
            .await
            .map(|o| o.trail().and_then(|t| t.log_file_validation_enabled()))
            .map_err(|e| api_error("cloudtrail", "GetTrail", format!("trail {trail}"), e))
    };
    let mut effect = decide_log_file_validation(read().await?, &resource.name);
    if effect.changed() {
        client
            .update_trail()
            .name(trail)
            .enable_log_file_validation(true)
            .send()
            .await
            .map_err(|e| api_error("cloudtrail", "UpdateTrail", format!("trail {trail}"), e))?;
    }
    effect.after = json!({ "LogFileValidationEnabled": read().await? });
    Ok(effect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_is_turned_on_once() {
        assert!(decide_log_file_validation(Some(false), "t").changed());
        assert!(decide_log_file_validation(None, "t").changed());
        assert!(!decide_log_file_validation(Some(true), "t").changed());
    }
}
