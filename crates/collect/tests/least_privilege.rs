//! Proves the declared action lists are complete: every SDK operation the collectors call while
//! scanning a populated account is declared, with its IAM action, in some collector's table (and
//! so in the read-only policy generated from those tables).

use palisade_collect::aws::{all_calls, enabled_regions, ActionRecorder, AwsService};
use palisade_collect::{Collected, Emitter};
use palisade_testkit::TestAccount;
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_made_during_a_scan_is_declared() {
    let acct = TestAccount::new().await;
    acct.plant_demo();
    let recorder = ActionRecorder::new();
    let ctx = acct.context_with(&["us-east-1"], Some(recorder.clone())).await;
    enabled_regions(&ctx).await.expect("regions");
    let (tx, mut rx) = tokio::sync::mpsc::channel(4096);
    let drain = tokio::spawn(async move {
        let mut n = 0;
        while let Some(item) = rx.recv().await {
            if let Collected::Resource(_) = item {
                n += 1;
            }
        }
        n
    });
    let emitter = Emitter::new(tx);
    let region = TestAccount::region("us-east-1");
    for service in AwsService::ALL {
        service.collect(&ctx, &region, &emitter).await.expect("collect");
    }
    drop(emitter);
    let resources = drain.await.unwrap();
    assert!(resources > 10, "the planted account yielded only {resources} resources");

    let declared: BTreeSet<(String, String)> =
        all_calls().map(|c| (c.sdk_service.to_string(), c.operation.to_string())).collect();
    let called = recorder.calls();
    assert!(called.len() > 10, "the recorder saw too few calls: {called:?}");
    let undeclared: Vec<_> = called.difference(&declared).collect();
    assert!(undeclared.is_empty(), "calls made but not declared: {undeclared:?}");
}
