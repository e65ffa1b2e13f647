//! Policy packs: loading Rego v1 policies and their `# METADATA` (and the compliance frameworks
//! their metadata refers to), compiling them once, evaluating them against resources of their
//! declared types, and running their `test_` rules.
//!
//! This crate does no I/O beyond reading policy files it is pointed at, and knows nothing of
//! clouds, stores or scans: it maps a resource's JSON to verdicts.

mod error;
mod evaluator;
mod framework;
mod metadata;
mod pack;
mod testing;

pub use error::PolicyError;
pub use evaluator::{Evaluator, Verdict, VerdictStatus};
// The plain data types live in `palisade-model` so reports can read them without this crate.
pub use pack::{Pack, Policy, SourceFile, UnknownControl};
pub use palisade_model::{Control, Framework, PolicyMetadata};
pub use testing::{run_tests, TestOutcome, TestReport};

/// Parameters policies read from `data.palisade.params` (e.g. `iam_access_key_max_age_days`).
pub type Params = serde_json::Map<String, serde_json::Value>;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
}
