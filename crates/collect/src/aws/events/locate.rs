//! What the rules read from an event: strings at paths in its request and response, and where the
//! resources they name live.

use super::ApiCallEvent;
use palisade_model::Region;
use serde_json::Value;

/// One resource a rule names: its region and its id, exactly as its collector builds both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Located {
    pub(super) region: Region,
    pub(super) id: String,
}

impl Located {
    pub(super) fn global(id: String) -> Self {
        Self { region: Region::global(), id }
    }

    pub(super) fn at(region: &Region, id: String) -> Self {
        Self { region: region.clone(), id }
    }

    /// In the region its ARN names (a key replica, a trail named by ARN), else in `fallback`.
    pub(super) fn in_arn_region(arn: String, fallback: &Region) -> Self {
        let region = arn_part(&arn, 3).and_then(|r| Region::new(r).ok()).unwrap_or_else(|| fallback.clone());
        Self { region, id: arn }
    }
}

/// What a rule finds: the resources, none (the event touches nothing of that type), or why the
/// event cannot be resolved (a field it needs is missing).
pub(super) type Found = Result<Vec<Located>, String>;

/// Part `n` (0-based) of an ARN split on `:`, if not empty.
pub(super) fn arn_part(arn: &str, n: usize) -> Option<&str> {
    arn.strip_prefix("arn:")?;
    arn.split(':').nth(n).filter(|p| !p.is_empty())
}

/// The non-empty strings at a dotted `path` under `root`. Arrays met on the way are walked
/// (`instancesSet.items.instanceId` reads every item), and at the end an array gives each of its
/// strings and an EC2 `{"tag": 1, "content": "vpc-1"}` wrapper gives its content.
pub(super) fn strings_at<'a>(root: &'a Value, path: &str) -> Vec<&'a str> {
    let mut current = vec![root];
    for key in path.split('.') {
        current = current.into_iter().flat_map(elements).filter_map(|v| v.get(key)).collect();
    }
    let mut out = Vec::new();
    for v in current {
        leaf_strings(v, &mut out);
    }
    out
}

/// The first string found at any of `paths`, tried in order.
pub(super) fn first<'a>(root: &'a Value, paths: &[&str]) -> Option<&'a str> {
    paths.iter().find_map(|p| strings_at(root, p).into_iter().next())
}

/// Every string under a key named one of `keys`, at any depth, that starts with `prefix`: for EC2
/// ids (`sg-`, `i-`, `vol-`), whose key and nesting vary with the API version that logged them
/// (`groupId`, `ModifySecurityGroupRulesRequest.GroupId`, `securityGroupRuleSet.items[].groupId`).
pub(super) fn ids_under<'a>(root: &'a Value, keys: &[&str], prefix: &str) -> Vec<&'a str> {
    // Deep enough for any CloudTrail record; a bound keeps hostile input from recursing far.
    const MAX_DEPTH: usize = 12;
    fn walk<'a>(v: &'a Value, keys: &[&str], prefix: &str, depth: usize, out: &mut Vec<&'a str>) {
        if depth > MAX_DEPTH {
            return;
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if keys.contains(&k.as_str()) {
                        let mut found = Vec::new();
                        leaf_strings(child, &mut found);
                        out.extend(found.into_iter().filter(|s| s.starts_with(prefix)));
                    }
                    walk(child, keys, prefix, depth + 1, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, keys, prefix, depth + 1, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, keys, prefix, 0, &mut out);
    out
}

/// The strings under any of `keys` at the top of `root` or one level down in a `...Request` or
/// `...Response` wrapper (`ModifySecurityGroupRulesRequest.GroupId`), and no deeper.
pub(super) fn top_or_wrapped<'a>(root: &'a Value, keys: &[&str]) -> Vec<&'a str> {
    let Value::Object(map) = root else { return Vec::new() };
    let wrapped = map.iter().filter(|(k, _)| k.ends_with("Request") || k.ends_with("Response")).map(|(_, v)| v);
    let mut out = Vec::new();
    for level in std::iter::once(root).chain(wrapped) {
        for key in keys {
            if let Some(v) = level.get(key) {
                leaf_strings(v, &mut out);
            }
        }
    }
    out
}

/// `ids_under` both the request and the response.
pub(super) fn ids_in_event<'a>(ev: &'a ApiCallEvent, keys: &[&str], prefix: &str) -> Vec<&'a str> {
    let mut ids = ids_under(&ev.request_parameters, keys, prefix);
    ids.extend(ids_under(&ev.response_elements, keys, prefix));
    ids
}

fn elements(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn leaf_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) if !s.trim().is_empty() => out.push(s),
        Value::Array(items) => items.iter().for_each(|i| leaf_strings(i, out)),
        Value::Object(map) => {
            if let Some(Value::String(s)) = map.get("content") {
                if !s.trim().is_empty() {
                    out.push(s);
                }
            }
        }
        _ => {}
    }
}

/// The reason for a rule that found nothing where it needs something.
pub(super) fn missing(what: &str) -> String {
    format!("{what} is missing")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_walk_objects_and_arrays() {
        let v = json!({
            "instancesSet": {"items": [{"instanceId": "i-1"}, {"instanceId": "i-2"}, {"other": 1}]},
            "ResourceId": {"tag": 1, "content": "vpc-1"},
            "list": ["a", "", {"content": "b"}, 3],
            "blank": "  ",
        });
        assert_eq!(strings_at(&v, "instancesSet.items.instanceId"), ["i-1", "i-2"]);
        assert_eq!(strings_at(&v, "ResourceId"), ["vpc-1"]);
        assert_eq!(strings_at(&v, "list"), ["a", "b"]);
        assert!(strings_at(&v, "blank").is_empty());
        assert!(strings_at(&v, "nowhere.at.all").is_empty());
        assert!(strings_at(&Value::Null, "x").is_empty());
        assert_eq!(first(&v, &["missing", "list", "ResourceId"]), Some("a"));
        assert_eq!(first(&v, &["missing"]), None);
    }

    #[test]
    fn deep_search_matches_key_and_prefix() {
        let v = json!({
            "ModifySecurityGroupRulesRequest": {"GroupId": "sg-1"},
            "ipPermissions": {"items": [{"groups": {"items": [{"referencedGroupId": "sg-9"}]}}]},
            "groupId": "not-an-id",
            "deep": [[[{"groupId": "sg-2"}]]],
        });
        let mut found = ids_under(&v, &["groupId", "GroupId"], "sg-");
        found.sort();
        assert_eq!(found, ["sg-1", "sg-2"]);
        let mut nested = json!({"groupId": "sg-deep"});
        for _ in 0..20 {
            nested = json!({ "x": nested });
        }
        assert!(ids_under(&nested, &["groupId"], "sg-").is_empty(), "depth is bounded");
    }

    #[test]
    fn arn_parts_and_regions() {
        assert_eq!(arn_part("arn:aws:kms:eu-west-1:111122223333:key/k", 3), Some("eu-west-1"));
        assert_eq!(arn_part("arn:aws:s3:::b", 3), None);
        assert_eq!(arn_part("key/k", 0), None);
        let home = Region::new("us-east-1").unwrap();
        let l = Located::in_arn_region("arn:aws:kms:eu-west-1:1:key/k".into(), &home);
        assert_eq!(l.region.as_str(), "eu-west-1");
        assert_eq!(Located::in_arn_region("k".into(), &home).region, home);
    }
}
