//! EFS events (`AWS.EFS.FileSystem`).

use super::locate::{first, Found, Located};
use super::table::{rule, Change::*, EventRule, Locator};
use super::ApiCallEvent;
use crate::aws::arn;

const EFS: &str = "elasticfilesystem.amazonaws.com";
const FILE_SYSTEM: &str = "AWS.EFS.FileSystem";

const FILE_SYSTEM_ID: Locator = Locator::refs(
    file_system,
    "`responseElements.fileSystemArn`, else `fileSystemId` in `requestParameters` or `responseElements`",
);
const TAGGED_FILE_SYSTEM: Locator =
    Locator::refs(tagged_file_system, "`requestParameters.resourceId` when it is a file system (`fs-` id or ARN)");

pub(super) const RULES: &[EventRule] = &[
    rule(EFS, "CreateFileSystem", FILE_SYSTEM, Create, FILE_SYSTEM_ID),
    rule(EFS, "UpdateFileSystem", FILE_SYSTEM, Modify, FILE_SYSTEM_ID),
    rule(EFS, "DeleteFileSystem", FILE_SYSTEM, Delete, FILE_SYSTEM_ID),
    rule(EFS, "TagResource", FILE_SYSTEM, Modify, TAGGED_FILE_SYSTEM),
    rule(EFS, "UntagResource", FILE_SYSTEM, Modify, TAGGED_FILE_SYSTEM),
];

/// The EFS collector's id: `arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{id}`.
fn located(ev: &ApiCallEvent, id_or_arn: &str) -> Located {
    if id_or_arn.starts_with("arn:") {
        return Located::in_arn_region(id_or_arn.to_string(), &ev.region);
    }
    let resource = format!("file-system/{id_or_arn}");
    Located::at(&ev.region, arn::regional("elasticfilesystem", &ev.region, ev.account_id.as_str(), &resource))
}

fn file_system(ev: &ApiCallEvent) -> Found {
    let named = first(&ev.response_elements, &["fileSystemArn"])
        .or_else(|| first(&ev.request_parameters, &["fileSystemId"]))
        .or_else(|| first(&ev.response_elements, &["fileSystemId"]))
        .ok_or_else(|| "requestParameters.fileSystemId is missing".to_string())?;
    Ok(vec![located(ev, named)])
}

fn tagged_file_system(ev: &ApiCallEvent) -> Found {
    Ok(first(&ev.request_parameters, &["resourceId"])
        .filter(|id| id.starts_with("fs-") || id.contains(":file-system/"))
        .map(|id| located(ev, id))
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::events::testing::{check, event, fixture, region, unresolvable, ACCOUNT};
    use serde_json::json;

    fn id(region_name: &str, fs: &str) -> String {
        arn::regional("elasticfilesystem", &region(region_name), ACCOUNT, &format!("file-system/{fs}"))
    }

    #[test]
    fn a_created_file_system_is_named_by_its_arn() {
        check(
            &fixture("efs_create_file_system.json"),
            &[(FILE_SYSTEM, "eu-west-1", &id("eu-west-1", "fs-0123456789abcdef0"))],
        );
    }

    #[test]
    fn a_file_system_id_becomes_its_arn() {
        let e = event(EFS, "DeleteFileSystem", json!({"fileSystemId": "fs-1"}), json!(null));
        check(&e, &[(FILE_SYSTEM, "us-east-1", &id("us-east-1", "fs-1"))]);
        let tagged = event(EFS, "TagResource", json!({"resourceId": "fs-2", "tags": []}), json!(null));
        check(&tagged, &[(FILE_SYSTEM, "us-east-1", &id("us-east-1", "fs-2"))]);
        let access_point = event(EFS, "TagResource", json!({"resourceId": "fsap-1"}), json!(null));
        assert_eq!(crate::aws::events::interpret(&access_point), crate::aws::events::Interpretation::Unmapped);
        assert!(unresolvable(&event(EFS, "UpdateFileSystem", json!({}), json!(null))).contains("fileSystemId"));
    }
}
