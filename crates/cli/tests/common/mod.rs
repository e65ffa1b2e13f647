//! Helpers for running the `palisade` binary against emulator accounts.

#![allow(dead_code)]

use palisade_testkit::TestAccount;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn palisade() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_palisade"));
    // Nothing from the developer's own AWS setup may leak into a test.
    for var in ["AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"]
    {
        cmd.env_remove(var);
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// `palisade ARGS` as `account` (through a profile that assumes a role in it).
pub fn palisade_as(account: &TestAccount, dir: &Path) -> Command {
    let mut cmd = palisade();
    cmd.envs(account.profile_env(dir));
    cmd
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run palisade")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), stderr(out))
    })
}

pub fn db(dir: &Path) -> PathBuf {
    dir.join("palisade.db")
}

/// `(policy_id, resource_id) -> status` from a JSON findings array.
pub fn verdicts(findings: &serde_json::Value) -> std::collections::BTreeMap<(String, String), String> {
    findings
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                (f["policy_id"].as_str().unwrap().to_string(), f["resource_id"].as_str().unwrap().to_string()),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
