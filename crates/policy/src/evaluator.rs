//! Compiles a pack once and evaluates each resource against the policies of its type.
//!
//! Conventions a policy follows: `deny contains msg if { ... }` yields one message per problem
//! (non-empty means FAIL); an optional `applies` rule that evaluates to `false` means the policy
//! does not apply to this resource (no finding). Input is the resource as JSON
//! (`id, type, account_id, region, name, label, tags, attributes`); `data.palisade.params` holds
//! parameters and `data.palisade.now_ns` the scan's clock.

use crate::pack::Pack;
use crate::{Params, PolicyError, PolicyMetadata};
use palisade_model::Resource;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictStatus {
    Pass,
    Fail,
    Error,
}

/// A verdict is recorded as the finding status of the same name.
impl From<VerdictStatus> for palisade_model::FindingStatus {
    fn from(status: VerdictStatus) -> Self {
        match status {
            VerdictStatus::Pass => Self::Pass,
            VerdictStatus::Fail => Self::Fail,
            VerdictStatus::Error => Self::Error,
        }
    }
}

/// One policy's verdict on one resource.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub policy: Arc<PolicyMetadata>,
    pub status: VerdictStatus,
    pub message: String,
}

struct Compiled {
    metadata: Arc<PolicyMetadata>,
    deny_rule: String,
    applies_rule: Option<String>,
}

/// The compiled pack. Clone it to evaluate on several threads.
#[derive(Clone)]
pub struct Evaluator {
    engine: regorus::Engine,
    policies: Arc<Vec<Compiled>>,
    by_type: Arc<HashMap<String, Vec<usize>>>,
    params: Arc<Params>,
}

impl Evaluator {
    /// Compiles every policy and library module of `pack`. `now` fixes the clock policies see,
    /// so one scan judges every resource at the same instant.
    pub fn new(pack: &Pack, params: &Params, now: chrono::DateTime<chrono::Utc>) -> Result<Self, PolicyError> {
        let mut engine = regorus::Engine::new();
        for lib in &pack.libraries {
            add_module(&mut engine, lib)?;
        }
        let mut policies = Vec::with_capacity(pack.policies.len());
        let mut by_type: HashMap<String, Vec<usize>> = HashMap::new();
        for policy in &pack.policies {
            add_module(&mut engine, &policy.file)?;
            let applies_rule = engine
                .has_declared_rule_rooted_at(&policy.file.path, "applies")
                .unwrap_or(false)
                .then(|| format!("{}.applies", policy.package));
            for t in &policy.metadata.resource_types {
                by_type.entry(t.clone()).or_default().push(policies.len());
            }
            policies.push(Compiled {
                metadata: policy.metadata.clone(),
                deny_rule: format!("{}.deny", policy.package),
                applies_rule,
            });
        }
        engine
            .add_data(palisade_data(params, now))
            .map_err(|e| PolicyError::Eval { id: "data".into(), message: e.to_string() })?;
        // Evaluate each policy once on an empty input: regorus checks a module's rules (unsafe
        // variables, unknown functions) when it first prepares, and we want that at load time.
        engine.set_input(regorus::Value::new_object());
        for (c, p) in policies.iter().zip(&pack.policies) {
            if let Err(e) = engine.eval_rule(c.deny_rule.clone()) {
                return Err(compile_error(&p.file.path, &e.to_string()));
            }
        }
        Ok(Self { engine, policies: Arc::new(policies), by_type: Arc::new(by_type), params: Arc::new(params.clone()) })
    }

    /// Moves the clock policies see to `now`: a long-running consumer judges each batch of
    /// events at its own time instead of recompiling the pack.
    pub fn set_now(&mut self, now: chrono::DateTime<chrono::Utc>) -> Result<(), PolicyError> {
        self.engine.clear_data();
        self.engine
            .add_data(palisade_data(&self.params, now))
            .map_err(|e| PolicyError::Eval { id: "data".into(), message: e.to_string() })
    }

    /// The metadata of every policy that applies to `resource_type`.
    pub fn policies_for<'a>(&'a self, resource_type: &str) -> impl Iterator<Item = &'a Arc<PolicyMetadata>> + 'a {
        self.by_type.get(resource_type).into_iter().flatten().map(|&i| &self.policies[i].metadata)
    }

    pub fn all_policies(&self) -> impl Iterator<Item = &Arc<PolicyMetadata>> {
        self.policies.iter().map(|c| &c.metadata)
    }

    /// Evaluates every policy declared for the resource's type. The resource is converted to the
    /// engine's value type once and shared by all its policies.
    pub fn evaluate(&mut self, resource: &Resource) -> Vec<Verdict> {
        let Some(indices) = self.by_type.get(&resource.resource_type).cloned() else { return Vec::new() };
        let input = serde_json::json!({
            "id": resource.id,
            "type": resource.resource_type,
            "account_id": resource.account_id,
            "region": resource.region,
            "name": resource.name,
            "label": resource.label,
            "source": resource.source,
            "tags": resource.tags,
            "attributes": resource.attributes,
        });
        self.engine.set_input(regorus::Value::from(input));
        let mut verdicts = Vec::with_capacity(indices.len());
        for i in indices {
            let policy = &self.policies[i];
            if let Some(rule) = &policy.applies_rule {
                match self.engine.eval_rule(rule.clone()) {
                    Ok(regorus::Value::Bool(false)) => continue,
                    Ok(_) => {}
                    Err(e) => {
                        verdicts.push(error_verdict(policy, &e));
                        continue;
                    }
                }
            }
            let verdict = match self.engine.eval_rule(policy.deny_rule.clone()) {
                Ok(value) => match deny_messages(&value) {
                    messages if messages.is_empty() => {
                        Verdict { policy: policy.metadata.clone(), status: VerdictStatus::Pass, message: String::new() }
                    }
                    messages => Verdict {
                        policy: policy.metadata.clone(),
                        status: VerdictStatus::Fail,
                        message: messages.join("; "),
                    },
                },
                Err(e) => error_verdict(policy, &e),
            };
            verdicts.push(verdict);
        }
        verdicts
    }
}

fn error_verdict(policy: &Compiled, e: &dyn std::fmt::Display) -> Verdict {
    Verdict {
        policy: policy.metadata.clone(),
        status: VerdictStatus::Error,
        message: format!("policy evaluation failed: {e}"),
    }
}

/// The messages of a `deny` set, sorted so output is stable.
fn deny_messages(value: &regorus::Value) -> Vec<String> {
    let mut out: Vec<String> = match value {
        regorus::Value::Set(set) => set.iter().map(message_text).collect(),
        regorus::Value::Array(items) => items.iter().map(message_text).collect(),
        regorus::Value::Bool(true) => vec!["denied".to_string()],
        _ => Vec::new(),
    };
    out.sort();
    out
}

fn message_text(v: &regorus::Value) -> String {
    match v {
        regorus::Value::String(s) => s.to_string(),
        other => other.to_json_str().unwrap_or_default(),
    }
}

pub(crate) fn palisade_data(params: &Params, now: chrono::DateTime<chrono::Utc>) -> regorus::Value {
    let now_ns = now.timestamp_nanos_opt().unwrap_or(i64::MAX);
    regorus::Value::from(serde_json::json!({ "palisade": { "params": params, "now_ns": now_ns } }))
}

pub(crate) fn add_module(engine: &mut regorus::Engine, file: &crate::SourceFile) -> Result<(), PolicyError> {
    engine
        .add_policy(file.path.clone(), file.contents.clone())
        .map(|_| ())
        .map_err(|e| compile_error(&file.path, &e.to_string()))
}

/// Builds a compile error whose line is the one the engine reported (`path:line:col`).
pub(crate) fn compile_error(path: &str, message: &str) -> PolicyError {
    let line = message
        .match_indices(path)
        .filter_map(|(i, _)| {
            let rest = &message[i + path.len()..];
            let rest = rest.strip_prefix(':')?;
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse().ok()
        })
        .next()
        .unwrap_or(1);
    PolicyError::Compile { path: path.to_string(), line, message: message.trim().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SourceFile;
    use palisade_model::{AccountId, Region, ResourceId};

    const HEADER: &str = "# METADATA\n# title: T\n# custom:\n#   id: Test.Policy\n#   severity: LOW\n#   resource_types: [Test.Thing]\npackage palisade.test.policy\n";

    fn pack(body: &str) -> Pack {
        Pack::from_files([SourceFile { path: "pack/policy.rego".into(), contents: format!("{HEADER}{body}") }]).unwrap()
    }

    fn resource(attributes: serde_json::Value) -> Resource {
        Resource {
            id: ResourceId::new("arn:test:thing").unwrap(),
            resource_type: "Test.Thing".into(),
            source: "s".into(),
            account_id: AccountId::new("123456789012").unwrap(),
            region: Region::new("us-east-1").unwrap(),
            label: "Dev".into(),
            name: "thing".into(),
            tags: Default::default(),
            attributes,
            collected_at: chrono::Utc::now(),
        }
    }

    fn check(body: &str, attributes: serde_json::Value) -> Vec<(VerdictStatus, String)> {
        let mut ev = Evaluator::new(&pack(body), &Params::new(), chrono::Utc::now()).unwrap();
        ev.evaluate(&resource(attributes)).into_iter().map(|v| (v.status, v.message)).collect()
    }

    #[test]
    fn deny_messages_make_fail_and_empty_deny_makes_pass() {
        let body = "deny contains sprintf(\"x is %v\", [input.attributes.x]) if input.attributes.x > 1\n";
        assert_eq!(check(body, serde_json::json!({"x": 2})), vec![(VerdictStatus::Fail, "x is 2".into())]);
        assert_eq!(check(body, serde_json::json!({"x": 1})), vec![(VerdictStatus::Pass, String::new())]);
    }

    #[test]
    fn applies_false_gives_no_verdict() {
        let body = "default applies := true\napplies := false if input.attributes.skip\ndeny contains \"no\" if true\n";
        assert!(check(body, serde_json::json!({"skip": true})).is_empty());
        assert_eq!(check(body, serde_json::json!({"skip": false})).len(), 1);
    }

    #[test]
    fn other_types_are_not_evaluated() {
        let mut ev =
            Evaluator::new(&pack("deny contains \"no\" if true\n"), &Params::new(), chrono::Utc::now()).unwrap();
        let mut r = resource(serde_json::json!({}));
        r.resource_type = "Other.Thing".into();
        assert!(ev.evaluate(&r).is_empty());
    }

    #[test]
    fn set_now_moves_the_clock_policies_see() {
        let body = "deny contains \"old\" if data.palisade.now_ns > input.attributes.limit_ns\n";
        let start = chrono::DateTime::from_timestamp(1_000, 0).unwrap();
        let mut ev = Evaluator::new(&pack(body), &Params::new(), start).unwrap();
        let r = resource(serde_json::json!({"limit_ns": 2_000_000_000_000_i64}));
        assert_eq!(ev.evaluate(&r)[0].status, VerdictStatus::Pass);
        ev.set_now(chrono::DateTime::from_timestamp(3_000, 0).unwrap()).unwrap();
        assert_eq!(ev.evaluate(&r)[0].status, VerdictStatus::Fail);
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        // HEADER is 7 lines, so the broken rule is on line 9.
        let err = Evaluator::new(
            &pack("ok := true\ndeny contains msg if {\n  msg := \n}\n"),
            &Params::new(),
            chrono::Utc::now(),
        )
        .err()
        .expect("broken policy must not compile");
        let text = err.to_string();
        assert!(text.starts_with("pack/policy.rego:"), "{text}");
        match err {
            PolicyError::Compile { line, .. } => assert!((9..=10).contains(&line), "line {line}: {text}"),
            other => panic!("unexpected error {other}"),
        }
    }

    #[test]
    fn unsafe_variable_is_a_load_error() {
        let err = Evaluator::new(&pack("deny contains msg if { x == 1 }\n"), &Params::new(), chrono::Utc::now());
        assert!(err.is_err(), "a rule with an unbound variable must be rejected at load time");
    }
}
