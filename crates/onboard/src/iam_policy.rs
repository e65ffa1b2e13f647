//! Just enough IAM policy evaluation to answer "does this identity policy allow this action on
//! any resource": Allow/Deny statements, Action/NotAction with `*` and `?` wildcards,
//! case-insensitive as IAM is.

use serde_json::Value;

/// An AWS managed policy as AWS publishes it.
#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    pub document: Value,
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// IAM's wildcard match: `*` any run of characters, `?` one character, case-insensitive.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

fn statement_matches(stmt: &Value, action: &str) -> bool {
    if let Some(actions) = stmt.get("Action") {
        as_list(actions).iter().filter_map(|a| a.as_str()).any(|a| wildcard_match(a, action))
    } else if let Some(not_actions) = stmt.get("NotAction") {
        !as_list(not_actions).iter().filter_map(|a| a.as_str()).any(|a| wildcard_match(a, action))
    } else {
        false
    }
}

/// Whether the identity policies in `documents` together allow `action` (on resource `*`, with
/// no conditions in play): some Allow statement matches and no Deny statement does.
pub fn action_allowed(documents: &[&Value], action: &str) -> bool {
    let statements: Vec<&Value> =
        documents.iter().flat_map(|d| as_list(d.get("Statement").unwrap_or(&Value::Null))).collect();
    let effect = |s: &Value| s.get("Effect").and_then(Value::as_str).unwrap_or_default().to_string();
    let denied = statements.iter().any(|s| effect(s) == "Deny" && statement_matches(s, action));
    let allowed = statements.iter().any(|s| effect(s) == "Allow" && statement_matches(s, action));
    allowed && !denied
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("s3:GetBucket*", "s3:GetBucketAcl"));
        assert!(wildcard_match("s3:getbucket*", "s3:GetBucketAcl"));
        assert!(wildcard_match("ec2:Describe?pcs", "ec2:DescribeVpcs"));
        assert!(wildcard_match("*", "iam:ListUsers"));
        assert!(!wildcard_match("s3:GetBucket*", "s3:GetObject"));
        assert!(!wildcard_match("iam:List*", "iam:GetUser"));
    }

    #[test]
    fn deny_wins_and_not_action_inverts() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "Action": ["s3:Get*", "iam:List*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "NotAction": "kms:*", "Resource": "*"}
        ]});
        assert!(action_allowed(&[&doc], "s3:GetBucketAcl"));
        assert!(!action_allowed(&[&doc], "s3:GetObject"));
        assert!(action_allowed(&[&doc], "ec2:DescribeVpcs"), "NotAction kms:* allows everything else");
        let single = json!({"Statement": {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}});
        assert!(action_allowed(&[&single], "iam:GetUser"));
        assert!(!action_allowed(&[&single], "iam:ListUsers"));
    }
}
