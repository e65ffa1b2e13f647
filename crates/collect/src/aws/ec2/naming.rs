//! EC2 ARNs, tag maps, and resource names from the `Name` tag.

use crate::aws::convert::tags;
use aws_sdk_ec2::types::Tag;
use palisade_model::Region;
use std::collections::BTreeMap;

/// An EC2 ARN in the region's partition.
pub(super) fn arn(region: &Region, account: &str, resource: &str) -> String {
    crate::aws::arn::regional("ec2", region, account, resource)
}

pub(super) fn tag_map(pairs: &[Tag]) -> BTreeMap<String, String> {
    tags(pairs.iter().map(|t| (t.key(), t.value())))
}

/// The `Name` tag if it is set and not empty, otherwise the cloud id.
pub(super) fn name_or(tags: &BTreeMap<String, String>, id: &str) -> String {
    tags.get("Name").filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_use_the_region_partition() {
        let r = |s: &str| Region::new(s).unwrap();
        assert_eq!(arn(&r("eu-west-1"), "1", "vpc/vpc-1"), "arn:aws:ec2:eu-west-1:1:vpc/vpc-1");
        assert_eq!(arn(&r("cn-north-1"), "1", "region-settings"), "arn:aws-cn:ec2:cn-north-1:1:region-settings");
        assert_eq!(arn(&r("us-gov-west-1"), "1", "volume/v"), "arn:aws-us-gov:ec2:us-gov-west-1:1:volume/v");
    }

    #[test]
    fn names_come_from_the_name_tag_or_the_id() {
        let tags = tag_map(&[Tag::builder().key("Name").value("web-1").build()]);
        assert_eq!(name_or(&tags, "i-1"), "web-1");
        assert_eq!(name_or(&tag_map(&[Tag::builder().key("Name").value("").build()]), "i-1"), "i-1");
        assert_eq!(name_or(&BTreeMap::new(), "i-1"), "i-1");
    }
}
