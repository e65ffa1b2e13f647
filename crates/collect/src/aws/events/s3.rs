//! S3 events: bucket configuration (`AWS.S3.Bucket`), bucket logging (also read into
//! `AWS.Account.Monitoring` for trail buckets), and the account-level public access block, which
//! the S3 collector copies into every bucket.

use super::locate::{first, missing, Found, Located};
use super::monitoring::{ACCOUNT_MONITORING, MONITORING};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::s3::BUCKET;
use palisade_model::Region;

const S3: &str = "s3.amazonaws.com";

/// A bucket named by `requestParameters.bucketName`. CloudTrail logs bucket calls in the bucket's
/// region, and S3's fetch locates the bucket itself anyway.
const BUCKET_NAME: Locator = Locator::refs(bucket_name, "`requestParameters.bucketName`, in the event's region");

const NEW_BUCKET: Locator = Locator::refs(
    new_bucket,
    "`requestParameters.bucketName`, in `requestParameters.CreateBucketConfiguration.LocationConstraint` \
     (the event's region when absent)",
);

const EVERY_BUCKET: Locator = Locator::recollect(
    "none: the account-level block is copied into every bucket, so the S3 collector runs again for the account",
);

pub(super) const RULES: &[EventRule] = &[
    rule(S3, "CreateBucket", BUCKET, Create, NEW_BUCKET),
    rule(S3, "DeleteBucket", BUCKET, Delete, BUCKET_NAME),
    rule(S3, "PutBucketEncryption", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "DeleteBucketEncryption", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "PutBucketPolicy", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "DeleteBucketPolicy", BUCKET, Modify, BUCKET_NAME),
    // CloudTrail names the bucket-level S3 PutPublicAccessBlock call this way.
    rule(S3, "PutBucketPublicAccessBlock", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "DeleteBucketPublicAccessBlock", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "PutBucketVersioning", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "PutBucketLogging", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "PutBucketLogging", MONITORING, Modify, ACCOUNT_MONITORING),
    rule(S3, "PutBucketAcl", BUCKET, Modify, BUCKET_NAME),
    // Ownership controls decide whether ACLs apply at all.
    rule(S3, "PutBucketOwnershipControls", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "DeleteBucketOwnershipControls", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "PutObjectLockConfiguration", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "PutBucketTagging", BUCKET, Modify, BUCKET_NAME),
    rule(S3, "DeleteBucketTagging", BUCKET, Modify, BUCKET_NAME),
    // S3 Control's account-level PutPublicAccessBlock and DeletePublicAccessBlock, as CloudTrail
    // names them.
    rule(S3, "PutAccountPublicAccessBlock", BUCKET, Modify, EVERY_BUCKET),
    rule(S3, "DeleteAccountPublicAccessBlock", BUCKET, Modify, EVERY_BUCKET),
];

/// The S3 collector's bucket id. It is `arn:aws:` in every partition (see `s3.rs`), and the id
/// must equal the stored one.
pub(super) fn bucket_id(name: &str) -> String {
    format!("arn:aws:s3:::{name}")
}

fn bucket_name(ev: &ApiCallEvent) -> Found {
    let name = first(&ev.request_parameters, &["bucketName"]).ok_or_else(|| missing("requestParameters.bucketName"))?;
    Ok(vec![Located::at(&ev.region, bucket_id(name))])
}

fn new_bucket(ev: &ApiCallEvent) -> Found {
    let name = first(&ev.request_parameters, &["bucketName"]).ok_or_else(|| missing("requestParameters.bucketName"))?;
    let constraint = first(&ev.request_parameters, &["CreateBucketConfiguration.LocationConstraint"]);
    // GetBucketLocation's legacy `EU` is eu-west-1, as the collector reads it.
    let region = match constraint {
        Some("EU") => Region::new("eu-west-1").ok(),
        Some(r) => Region::new(r).ok(),
        None => None,
    };
    Ok(vec![Located::at(region.as_ref().unwrap_or(&ev.region), bucket_id(name))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, unresolvable, ACCOUNT};
    use crate::aws::events::{interpret, Interpretation, Recollection};
    use crate::aws::AwsService;
    use serde_json::json;

    #[test]
    fn a_bucket_policy_rescans_the_bucket_in_the_event_region() {
        check(&fixture("s3_put_bucket_policy.json"), &[(BUCKET, "eu-west-1", "arn:aws:s3:::orders-archive")]);
    }

    #[test]
    fn a_created_bucket_lives_in_its_location_constraint() {
        check(&fixture("s3_create_bucket.json"), &[(BUCKET, "eu-central-1", "arn:aws:s3:::new-reports")]);
        let legacy = event(
            S3,
            "CreateBucket",
            json!({"bucketName": "b", "CreateBucketConfiguration": {"LocationConstraint": "EU"}}),
            json!(null),
        );
        check(&legacy, &[(BUCKET, "eu-west-1", "arn:aws:s3:::b")]);
        let unconstrained = event(S3, "CreateBucket", json!({"bucketName": "b"}), json!(null));
        check(&unconstrained, &[(BUCKET, "us-east-1", "arn:aws:s3:::b")]);
    }

    #[test]
    fn bucket_logging_also_rescans_the_monitoring_resource() {
        let e =
            event(S3, "PutBucketLogging", json!({"bucketName": "trail-logs", "BucketLoggingStatus": {}}), json!(null));
        check(
            &e,
            &[
                (BUCKET, "us-east-1", "arn:aws:s3:::trail-logs"),
                (MONITORING, "global", "arn:aws:cloudwatch::111122223333:monitoring"),
            ],
        );
    }

    #[test]
    fn the_account_public_access_block_recollects_every_bucket() {
        let got = interpret(&fixture("s3_put_account_public_access_block.json"));
        let expected = Recollection {
            service: AwsService::S3,
            account_id: palisade_model::AccountId::new(ACCOUNT).unwrap(),
            region: Region::global(),
        };
        assert_eq!(got, Interpretation::Recollect(vec![expected]));
    }

    #[test]
    fn a_bucket_event_without_a_bucket_name_is_unresolvable() {
        let reason = unresolvable(&event(S3, "PutBucketPolicy", json!({"policy": "{}"}), json!(null)));
        assert_eq!(reason, "requestParameters.bucketName is missing");
    }
}
