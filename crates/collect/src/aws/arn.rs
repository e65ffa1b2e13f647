//! ARNs Palisade builds itself (for resources the API names only by id, and for the
//! per-region settings resources), in the partition of their region.

use palisade_model::Region;

/// The partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, `aws` otherwise.
pub(crate) fn partition(region: &Region) -> &'static str {
    let r = region.as_str();
    if r.starts_with("cn-") {
        "aws-cn"
    } else if r.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `arn:{partition}:{service}:{region}:{account}:{resource}`.
pub(crate) fn regional(service: &str, region: &Region, account: &str, resource: &str) -> String {
    format!("arn:{}:{service}:{region}:{account}:{resource}", partition(region))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_follow_the_region() {
        let r = |s: &str| Region::new(s).expect("region");
        assert_eq!(partition(&r("us-east-1")), "aws");
        assert_eq!(partition(&r("cn-north-1")), "aws-cn");
        assert_eq!(partition(&r("us-gov-west-1")), "aws-us-gov");
        assert_eq!(regional("config", &r("eu-west-1"), "123456789012", "x"), "arn:aws:config:eu-west-1:123456789012:x");
    }
}
