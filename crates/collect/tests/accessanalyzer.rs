//! IAM Access Analyzer collector against the emulator.
//!
//! moto 5.2.5 has no Access Analyzer at all (ListAnalyzers answers HTTP 500), so no analyzer can
//! be planted: the attributes of active, inactive and missing analyzers are covered by the unit
//! tests over SDK shapes in `src/aws/accessanalyzer.rs`. Here the emulator proves the failure
//! path: an unreadable region is one recorded scan error and no resource (never a region that
//! looks as if it had no analyzer), and the collector itself does not fail.

use palisade_collect::aws::{AwsService, CORE_CALLS};
use palisade_model::{ResourceId, ResourceRef};
use palisade_testkit::TestAccount;

const REGION: &str = "us-east-1";
const TYPE: &str = "AWS.Region.AccessAnalyzer";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_region_is_a_scan_error_not_a_disabled_analyzer() {
    let acct = TestAccount::new().await;
    let (resources, errors, result) = acct.collect(AwsService::AccessAnalyzer, REGION).await;
    assert_eq!(result, Ok(()));
    assert!(resources.is_empty(), "{resources:#?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(
        (e.service.as_str(), e.region.as_str(), e.operation.as_str()),
        ("accessanalyzer", REGION, "ListAnalyzers")
    );

    // The one call is declared, with its IAM action.
    let spec = AwsService::AccessAnalyzer.spec();
    assert_eq!(spec.resource_types, &[TYPE]);
    assert!(spec.calls.iter().chain(CORE_CALLS).any(|c| c.sdk_service == "AccessAnalyzer"
        && c.operation == "ListAnalyzers"
        && c.iam_action == "access-analyzer:ListAnalyzers"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_knows_only_the_region_settings_id() {
    let acct = TestAccount::new().await;
    let ctx = acct.context(&[REGION]).await;
    let reference = |id: String| ResourceRef {
        resource_type: TYPE.into(),
        account_id: ctx.account_id().clone(),
        region: TestAccount::region(REGION),
        id: ResourceId::new(id).expect("id"),
    };

    // Another id is no resource of this type, without a call.
    let other = reference(format!("arn:aws:access-analyzer:{REGION}:{}:analyzer/x", acct.account_id));
    assert!(AwsService::AccessAnalyzer.fetch(&ctx, &other).await.expect("fetch other").is_none());

    // The settings id is read from the API, whose failure is the fetch's error.
    let settings = reference(format!("arn:aws:access-analyzer:{REGION}:{}:region-settings", acct.account_id));
    let err = AwsService::AccessAnalyzer.fetch(&ctx, &settings).await.expect_err("moto has no access analyzer");
    assert!(err.to_string().contains("ListAnalyzers"), "{err}");
}
