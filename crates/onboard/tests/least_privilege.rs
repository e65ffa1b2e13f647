//! Least privilege, proven: every action a full scan of a populated account calls is allowed by
//! the generated role (SecurityAudit and ViewOnlyAccess as AWS publishes them, plus the inline
//! policy), and no action the role grants through its inline policy is a data-plane read.

use palisade_collect::aws::{all_calls, enabled_regions, ActionRecorder, AwsService};
use palisade_collect::Emitter;
use palisade_onboard::{action_allowed, managed_policies, role_template, RoleTemplateOptions, DATA_PLANE_READS};
use palisade_testkit::TestAccount;
use std::collections::BTreeMap;

fn scanner_actions() -> Vec<&'static str> {
    let mut a: Vec<&str> = all_calls().map(|c| c.iam_action).collect();
    a.sort_unstable();
    a.dedup();
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_a_scan_calls_is_allowed_by_the_generated_role() {
    let acct = TestAccount::new().await;
    acct.plant_demo();
    let recorder = ActionRecorder::new();
    let ctx = acct.context_with(&["us-east-1"], Some(recorder.clone())).await;
    enabled_regions(&ctx).await.expect("regions");
    let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let emitter = Emitter::new(tx);
    let region = TestAccount::region("us-east-1");
    for service in AwsService::ALL {
        // Per-service failures are fine here; the calls it made are what count.
        let _ = service.collect(&ctx, &region, &emitter).await;
    }
    drop(emitter);
    drain.await.unwrap();

    // Map each recorded SDK operation to its IAM action through the declared tables.
    let by_operation: BTreeMap<(String, String), &str> =
        all_calls().map(|c| ((c.sdk_service.to_string(), c.operation.to_string()), c.iam_action)).collect();
    let called: Vec<&str> = recorder
        .calls()
        .iter()
        .map(|k| *by_operation.get(k).unwrap_or_else(|| panic!("{k:?} was called but is not declared")))
        .collect();
    assert!(called.len() > 20, "too few calls recorded: {called:?}");

    let template = role_template(
        &scanner_actions(),
        &RoleTemplateOptions {
            palisade_account_id: "111111111111",
            external_id: "x-123",
            role_name: "PalisadeReadOnly",
        },
    );
    let managed = managed_policies();
    let inline = &template["Resources"]["PalisadeReadOnlyRole"]["Properties"]["Policies"][0]["PolicyDocument"];
    let mut documents: Vec<&serde_json::Value> = managed.iter().map(|m| &m.document).collect();
    documents.push(inline);
    for action in called.iter().filter(|a| **a != "sts:GetCallerIdentity") {
        assert!(action_allowed(&documents, action), "{action} is called but the generated role does not allow it");
    }
    for action in DATA_PLANE_READS {
        assert!(!called.contains(action), "the scan called the data-plane read {action}");
        assert!(!action_allowed(&[inline], action), "the inline policy grants the data-plane read {action}");
    }
}

#[test]
fn embedded_managed_policies_are_the_ones_aws_publishes() {
    // The emulator ships AWS's published managed policy documents; ours must be the same.
    let python = palisade_testkit::python();
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import json; from moto.iam.aws_managed_policies import aws_managed_policies_data as d; \
             d = json.loads(d); print(json.dumps({n: d[n]['Document'] for n in ['SecurityAudit', 'ViewOnlyAccess']}))",
        ])
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let published: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for m in managed_policies() {
        assert_eq!(published[&m.name], m.document, "{} differs from the published document", m.name);
    }
}
