//! Runs a pack's `test_` rules through the same engine that evaluates policies in scans.

use crate::evaluator::{add_module, palisade_data};
use crate::pack::{package_of, Pack};
use crate::{Params, PolicyError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    pub file: String,
    pub name: String,
    pub passed: bool,
    /// Why it failed: the rule was false or undefined, or evaluation raised an error.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TestReport {
    pub outcomes: Vec<TestOutcome>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
}

/// Compiles the pack's policies, libraries and tests together and evaluates every rule whose name
/// starts with `test_`. A test passes when its rule is `true`.
pub fn run_tests(pack: &Pack) -> Result<TestReport, PolicyError> {
    let mut engine = regorus::Engine::new();
    for file in pack.libraries.iter().chain(pack.policies.iter().map(|p| &p.file)).chain(&pack.tests) {
        add_module(&mut engine, file)?;
    }
    engine
        .add_data(palisade_data(&Params::new(), chrono::Utc::now()))
        .map_err(|e| PolicyError::Eval { id: "data".into(), message: e.to_string() })?;
    engine.set_input(regorus::Value::new_object());
    let mut report = TestReport::default();
    for test in &pack.tests {
        let package = package_of(test)?;
        for name in test_rule_names(&test.contents) {
            let (passed, detail) = match engine.eval_rule(format!("{package}.{name}")) {
                Ok(regorus::Value::Bool(true)) => (true, None),
                Ok(regorus::Value::Undefined) => (false, Some("undefined (a condition did not hold)".to_string())),
                Ok(other) => (false, Some(format!("evaluated to {}", other.to_json_str().unwrap_or_default()))),
                Err(e) => (false, Some(e.to_string())),
            };
            report.outcomes.push(TestOutcome { file: test.path.clone(), name, passed, detail });
        }
    }
    Ok(report)
}

/// Names of the `test_` rules a module defines (each once, in source order).
fn test_rule_names(source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("test_") else { continue };
        let tail: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let name = format!("test_{tail}");
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_test_rule_names() {
        let src = "package x_test\n\ntest_a if {\n  true\n}\n\ntest_b_2 if true\n# test_c if\n  test_d if true\ntest_a if false\n";
        assert_eq!(test_rule_names(src), vec!["test_a", "test_b_2"]);
    }

    #[test]
    fn builtin_policy_tests_pass() {
        let report = run_tests(&Pack::builtin().unwrap()).unwrap();
        let failed: Vec<_> = report.outcomes.iter().filter(|o| !o.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert!(report.passed() >= 20, "only {} tests ran", report.passed());
    }
}

#[cfg(test)]
mod failing_tests {
    use super::*;
    use crate::SourceFile;

    #[test]
    fn false_and_undefined_tests_fail() {
        let policy = "# METADATA\n# title: T\n# custom:\n#   id: T.P\n#   severity: LOW\n#   resource_types: [T]\npackage t.p\ndeny contains \"x\" if input.bad\n";
        let test = "package t.p_test\nimport data.t.p\ntest_good if { count(p.deny) == 1 with input as {\"bad\": true} }\ntest_wrong if { count(p.deny) == 1 with input as {\"bad\": false} }\ntest_false if false\n";
        let pack = Pack::from_files([
            SourceFile { path: "t/p.rego".into(), contents: policy.into() },
            SourceFile { path: "t/p_test.rego".into(), contents: test.into() },
        ])
        .unwrap();
        let report = run_tests(&pack).unwrap();
        let verdicts: Vec<_> = report.outcomes.iter().map(|o| (o.name.as_str(), o.passed)).collect();
        assert_eq!(verdicts, vec![("test_good", true), ("test_wrong", false), ("test_false", false)]);
        assert_eq!((report.passed(), report.failed()), (1, 2));
    }
}
