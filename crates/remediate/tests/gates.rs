//! What keeps remediation from acting: a source that did not opt in, a suppression, plan mode,
//! and an earlier failure on the same resource state. Each is checked against the real state in
//! the emulator, and (where nothing may be called) against the calls recorded.

mod common;

use common::*;
use palisade_collect::aws::{ActionRecorder, AwsService};
use palisade_model::FindingStatus;
use palisade_policy::Params;
use palisade_remediate::{Mode, OutcomeStatus, RemediationOptions};
use palisade_store::{AuditFilter, AuditMode, AuditResult};

const PAB: &str = "AWS.S3.Bucket.BlockPublicAccess";

/// The bucket's own public access block, `None` when it has none.
async fn public_access_block(fx: &Fixture, bucket: &str) -> Option<bool> {
    match fx.acct.s3(REGION).get_public_access_block().bucket(bucket).send().await {
        Ok(out) => out.public_access_block_configuration().and_then(|c| c.block_public_acls()),
        Err(e) => {
            let text = format!("{:?}", e.into_service_error());
            assert!(text.contains("NoSuchPublicAccessBlockConfiguration"), "{text}");
            None
        }
    }
}

async fn bucket(fx: &Fixture, name: &str) -> String {
    let name = format!("{name}-{}", fx.acct.account_id);
    fx.acct.s3(REGION).create_bucket().bucket(&name).send().await.unwrap();
    name
}

fn audit_rows(fx: &Fixture) -> Vec<palisade_store::RemediationRecord> {
    fx.store().remediation_audit(&AuditFilter::default()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_without_the_opt_in_is_never_changed() {
    let fx = Fixture::new(false).await;
    let b = bucket(&fx, "optout").await;
    fx.scan(&[AwsService::S3]).await;
    assert_eq!(fx.status(PAB, &b), FindingStatus::Fail);

    let recorder = ActionRecorder::new();
    let opts = RemediationOptions { mode: Mode::Apply, ..Default::default() };
    let outcomes = fx.run_with(opts, Some(recorder.clone())).await;
    let o = outcome_of(&outcomes, PAB, &b);
    assert_eq!(o.status, OutcomeStatus::Skipped);
    assert!(o.reason.as_deref().unwrap_or_default().contains("has not opted in"), "{o:#?}");
    assert!(outcomes.iter().all(|o| o.status == OutcomeStatus::Skipped), "{outcomes:#?}");
    assert!(recorder.calls().is_empty(), "no call at all, not even for credentials: {:?}", recorder.calls());
    assert_eq!(public_access_block(&fx, &b).await, None, "the bucket is as it was");
    assert!(audit_rows(&fx).is_empty(), "nothing was attempted, so nothing is audited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suppressed_finding_is_never_fixed() {
    let fx = Fixture::new(true).await;
    let kept = bucket(&fx, "website").await;
    let fixed = bucket(&fx, "data").await;
    fx.scan(&[AwsService::S3]).await;
    fx.store()
        .add_suppression(PAB, &format!("arn:aws:s3:::website-{}", fx.acct.account_id), "public website", None)
        .unwrap();

    let outcomes = fx.run(Mode::Apply, Some(PAB), Params::new()).await;
    let o = outcome_of(&outcomes, PAB, &kept);
    assert_eq!((o.status, o.reason.as_deref()), (OutcomeStatus::Skipped, Some("the finding is suppressed")));
    assert_eq!(public_access_block(&fx, &kept).await, None, "the suppressed bucket is untouched");
    assert_eq!(outcome_of(&outcomes, PAB, &fixed).status, OutcomeStatus::Applied);
    assert_eq!(public_access_block(&fx, &fixed).await, Some(true));
    assert_eq!(fx.status(PAB, &kept), FindingStatus::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_mode_changes_nothing_and_says_what_would_change() {
    let fx = Fixture::new(true).await;
    let b = bucket(&fx, "planned").await;
    fx.scan(&[AwsService::S3]).await;

    let recorder = ActionRecorder::new();
    let opts = RemediationOptions { mode: Mode::Plan, policy: Some(PAB.into()), ..Default::default() };
    let outcomes = fx.run_with(opts, Some(recorder.clone())).await;
    let o = outcome_of(&outcomes, PAB, &b);
    assert_eq!(o.status, OutcomeStatus::Planned, "{o:#?}");
    assert_eq!(o.changes.len(), 4, "all four switches: {:?}", o.changes);
    assert!(recorder.calls().is_empty(), "a plan calls no API: {:?}", recorder.calls());
    assert_eq!(public_access_block(&fx, &b).await, None);
    assert_eq!(fx.status(PAB, &b), FindingStatus::Fail);
    let rows = audit_rows(&fx);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].mode, rows[0].result, rows[0].changed), (AuditMode::Plan, AuditResult::Ok, true));
    assert_eq!(rows[0].state_after.as_ref().unwrap()["PublicAccessBlock"]["BlockPublicAcls"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_fix_is_recorded_and_not_retried_until_the_resource_changes() {
    let fx = Fixture::new(true).await;
    let b = bucket(&fx, "vanishing").await;
    fx.scan(&[AwsService::S3]).await;
    // Gone behind the store's back: every call on it fails.
    fx.acct.s3(REGION).delete_bucket().bucket(&b).send().await.unwrap();

    let outcomes = fx.run(Mode::Apply, Some(PAB), Params::new()).await;
    let o = outcome_of(&outcomes, PAB, &b);
    assert_eq!(o.status, OutcomeStatus::Failed);
    let reason = o.reason.clone().unwrap_or_default();
    assert!(
        reason.contains(&format!("s3 GetPublicAccessBlock on bucket {b} failed")) && reason.contains("NoSuchBucket"),
        "{reason}"
    );
    let rows = audit_rows(&fx);
    assert_eq!((rows.len(), rows[0].result), (1, AuditResult::Failed));
    assert_eq!(rows[0].error.as_deref(), Some(reason.as_str()));

    // The next runs leave it alone, and write nothing.
    for _ in 0..2 {
        let again = fx.run(Mode::Apply, Some(PAB), Params::new()).await;
        let o = outcome_of(&again, PAB, &b);
        assert_eq!(o.status, OutcomeStatus::Skipped);
        assert!(
            o.reason.as_deref().unwrap_or_default().contains("not tried again until the resource changes"),
            "{o:#?}"
        );
    }
    assert_eq!(audit_rows(&fx).len(), 1);

    // Asked to, it tries once more (and fails again, recorded).
    let opts =
        RemediationOptions { mode: Mode::Apply, policy: Some(PAB.into()), retry_failed: true, ..Default::default() };
    assert_eq!(outcome_of(&fx.run_with(opts, None).await, PAB, &b).status, OutcomeStatus::Failed);
    assert_eq!(audit_rows(&fx).len(), 2);

    // The bucket comes back, different: the scan stores the change, and the fix goes through.
    let s3 = fx.acct.s3(REGION);
    s3.create_bucket().bucket(&b).send().await.unwrap();
    let tag = aws_sdk_s3::types::Tag::builder().key("owner").value("team").build().unwrap();
    s3.put_bucket_tagging()
        .bucket(&b)
        .tagging(aws_sdk_s3::types::Tagging::builder().tag_set(tag).build().unwrap())
        .send()
        .await
        .unwrap();
    fx.scan(&[AwsService::S3]).await;
    let o = fx.run(Mode::Apply, Some(PAB), Params::new()).await;
    let o = outcome_of(&o, PAB, &b);
    assert_eq!((o.status, o.verified), (OutcomeStatus::Applied, Some(true)), "{o:#?}");
    assert_eq!(public_access_block(&fx, &b).await, Some(true));
}
