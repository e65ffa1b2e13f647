//! A parser for CloudWatch Logs JSON filter patterns (`{ ($.eventName = CreateTrail) || ... }`)
//! into a normalised tree, so policies compare metric filters by meaning rather than by text.
//!
//! The tree: a node is `{"op": "and" | "or", "terms": [..]}`; a term is a comparison
//! `{"field": "$.errorCode", "cmp": "=", "value": "*UnauthorizedOperation"}` or an absence test
//! `{"field": "$.userIdentity.invokedBy", "exists": false}` (`NOT EXISTS`). `IS NULL`, `IS TRUE`
//! and `IS FALSE` are comparisons with the value `null`, `true` and `false`.
//!
//! Normalisation makes whitespace, quoting, redundant parentheses and term order irrelevant:
//! quotes are removed from values (a quoted value is always a string, a bare one is a number when
//! it reads as one), nested nodes with the same connective are flattened, one-child nodes are
//! replaced by their child, duplicate terms are dropped, and terms are sorted. The root is always a
//! node: a single comparison is `{"op": "and", "terms": [that term]}`.
//!
//! Precedence: `&&` binds tighter than `||`, as in most languages. AWS does not document it, and
//! two published CIS patterns (4.1 in v1.4+, 4.13 before v1.5) mix the two without parentheses.
//!
//! Pure: no I/O, no SDK types.

use serde_json::{json, Number, Value};
use std::fmt;

/// Why a pattern did not parse, with the character offset where parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub position: usize,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position, self.reason)
    }
}

impl std::error::Error for ParseError {}

/// Parses a JSON filter pattern into its normalised tree (see the module documentation).
/// Text patterns (`ERROR`, `[ip, user, ...]`) and malformed JSON patterns are errors.
pub(crate) fn parse(pattern: &str) -> Result<Value, ParseError> {
    let mut p = Parser { chars: pattern.chars().collect(), pos: 0 };
    p.skip_ws();
    if p.at_end() {
        return Err(p.error("the pattern is empty (it matches every event; it is not a JSON pattern)"));
    }
    if !p.eat('{') {
        return Err(p.error("not a JSON filter pattern (it does not start with '{')"));
    }
    let expr = p.or_expr()?;
    p.skip_ws();
    if !p.eat('}') {
        return Err(p.error(if p.at_end() { "missing the closing '}'" } else { "expected '&&', '||' or '}'" }));
    }
    p.skip_ws();
    if !p.at_end() {
        return Err(p.error("unexpected text after the closing '}'"));
    }
    Ok(match normalise(expr) {
        Expr::Term(term) => json!({"op": "and", "terms": [term]}),
        node => node.into_json(),
    })
}

#[derive(Debug, Clone)]
enum Expr {
    Term(Value),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

impl Expr {
    fn into_json(self) -> Value {
        match self {
            Expr::Term(t) => t,
            Expr::And(terms) => {
                json!({"op": "and", "terms": terms.into_iter().map(Expr::into_json).collect::<Vec<_>>()})
            }
            Expr::Or(terms) => json!({"op": "or", "terms": terms.into_iter().map(Expr::into_json).collect::<Vec<_>>()}),
        }
    }
}

/// Flattens same-connective nesting, drops duplicates, sorts, and unwraps one-child nodes.
fn normalise(expr: Expr) -> Expr {
    let (is_and, children) = match expr {
        Expr::Term(_) => return expr,
        Expr::And(children) => (true, children),
        Expr::Or(children) => (false, children),
    };
    let mut flat = Vec::new();
    for child in children.into_iter().map(normalise) {
        match child {
            Expr::And(grand) if is_and => flat.extend(grand),
            Expr::Or(grand) if !is_and => flat.extend(grand),
            other => flat.push(other),
        }
    }
    // One order whatever order the author wrote: comparisons by field, then nested nodes.
    let mut keyed: Vec<(String, Expr)> = flat.into_iter().map(|e| (sort_key(&e.clone().into_json()), e)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.0 == b.0);
    let mut terms: Vec<Expr> = keyed.into_iter().map(|(_, e)| e).collect();
    if terms.len() == 1 {
        return terms.remove(0);
    }
    if is_and {
        Expr::And(terms)
    } else {
        Expr::Or(terms)
    }
}

/// The sort key of a normalised term or node: comparisons (`0`) by field and then by their
/// canonical text, before nodes (`1`) by connective and their (already sorted) terms. Built from
/// sorted keys so the order does not depend on how serde_json orders object keys.
fn sort_key(v: &Value) -> String {
    match v.get("op").and_then(Value::as_str) {
        Some(op) => {
            let terms = v.get("terms").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            format!("1 {op} [{}]", terms.iter().map(sort_key).collect::<Vec<_>>().join(", "))
        }
        None => format!("0 {} {}", v.get("field").and_then(Value::as_str).unwrap_or_default(), canonical(v)),
    }
}

/// JSON text with object keys sorted.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> =
                keys.into_iter().map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k]))).collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

/// Characters that end a bare selector or value.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '{' | '}' | '=' | '!' | '<' | '>' | '&' | '|' | '"')
}

impl Parser {
    fn error(&self, reason: &str) -> ParseError {
        ParseError { position: self.pos, reason: reason.to_string() }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if self.chars.len() >= self.pos + n && self.chars[self.pos..self.pos + n].iter().copied().eq(s.chars()) {
            self.pos += n;
            true
        } else {
            false
        }
    }

    /// A keyword (case-insensitive) followed by a delimiter or the end.
    fn eat_keyword(&mut self, word: &str) -> bool {
        let n = word.chars().count();
        if self.chars.len() < self.pos + n {
            return false;
        }
        let matches =
            self.chars[self.pos..self.pos + n].iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b));
        let ends = self.chars.get(self.pos + n).is_none_or(|c| is_delimiter(*c));
        if matches && ends {
            self.pos += n;
            true
        } else {
            false
        }
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        let mut terms = vec![self.and_expr()?];
        loop {
            self.skip_ws();
            if self.eat_str("||") {
                terms.push(self.and_expr()?);
            } else {
                break;
            }
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::Or(terms) })
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        let mut terms = vec![self.primary()?];
        loop {
            self.skip_ws();
            if self.eat_str("&&") {
                terms.push(self.primary()?);
            } else {
                break;
            }
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::And(terms) })
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.eat('(') {
            let inner = self.or_expr()?;
            self.skip_ws();
            if !self.eat(')') {
                return Err(self.error("expected ')'"));
            }
            return Ok(inner);
        }
        match self.peek() {
            Some('$') => self.comparison(),
            None => Err(self.error("the pattern ends where a comparison was expected")),
            Some('}') | Some(')') => Err(self.error("empty expression")),
            Some(_) => Err(self.error("expected '(' or a selector starting with '$'")),
        }
    }

    fn selector(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| !is_delimiter(c)) {
            self.pos += 1;
        }
        let field: String = self.chars[start..self.pos].iter().collect();
        let rest = &field[1..];
        if !(rest.starts_with('.') || rest.starts_with('[')) || rest.len() < 2 {
            self.pos = start;
            return Err(self.error("a selector is '$.' followed by a field name"));
        }
        Ok(field)
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let field = self.selector()?;
        self.skip_ws();
        if self.eat_keyword("NOT") {
            self.skip_ws();
            if self.eat_keyword("EXISTS") {
                return Ok(Expr::Term(json!({"field": field, "exists": false})));
            }
            return Err(self.error("expected EXISTS after NOT"));
        }
        if self.eat_keyword("IS") {
            self.skip_ws();
            let value = if self.eat_keyword("NULL") {
                Value::Null
            } else if self.eat_keyword("TRUE") {
                Value::Bool(true)
            } else if self.eat_keyword("FALSE") {
                Value::Bool(false)
            } else {
                return Err(self.error("expected NULL, TRUE or FALSE after IS"));
            };
            return Ok(Expr::Term(json!({"field": field, "cmp": "=", "value": value})));
        }
        let cmp = if self.eat_str("!=") {
            "!="
        } else if self.eat_str(">=") {
            ">="
        } else if self.eat_str("<=") {
            "<="
        } else if self.eat_str("==") {
            return Err(ParseError { position: self.pos - 2, reason: "'==' is not an operator; use '='".into() });
        } else if self.eat('=') {
            "="
        } else if self.eat('>') {
            ">"
        } else if self.eat('<') {
            "<"
        } else {
            return Err(self.error("expected a comparison operator (=, !=, <, >, <=, >=), NOT EXISTS or IS"));
        };
        self.skip_ws();
        let value = self.value()?;
        Ok(Expr::Term(json!({"field": field, "cmp": cmp, "value": value})))
    }

    fn value(&mut self) -> Result<Value, ParseError> {
        if self.eat('"') {
            let mut s = String::new();
            loop {
                match self.peek() {
                    None => return Err(self.error("unterminated quoted value")),
                    Some('"') => {
                        self.pos += 1;
                        return Ok(Value::String(s));
                    }
                    Some('\\') if matches!(self.chars.get(self.pos + 1), Some('"') | Some('\\')) => {
                        s.push(self.chars[self.pos + 1]);
                        self.pos += 2;
                    }
                    Some(c) => {
                        s.push(c);
                        self.pos += 1;
                    }
                }
            }
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| !is_delimiter(c)) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.error("expected a value"));
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        Ok(number(&text).map(Value::Number).unwrap_or(Value::String(text)))
    }
}

/// A bare value that reads as a number (`5`, `-1`, `2.5`, `1e3`) becomes a JSON number.
fn number(text: &str) -> Option<Number> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(field: &str, value: &str) -> Value {
        json!({"field": field, "cmp": "=", "value": value})
    }

    fn ne(field: &str, value: &str) -> Value {
        json!({"field": field, "cmp": "!=", "value": value})
    }

    fn event(name: &str) -> Value {
        eq("$.eventName", name)
    }

    fn and(terms: Vec<Value>) -> Value {
        json!({"op": "and", "terms": sorted(terms)})
    }

    fn or(terms: Vec<Value>) -> Value {
        json!({"op": "or", "terms": sorted(terms)})
    }

    fn sorted(mut terms: Vec<Value>) -> Vec<Value> {
        terms.sort_by_key(sort_key);
        terms
    }

    /// Parses `pattern` and compares with `expected`, showing both on failure.
    fn check(pattern: &str, expected: Value) {
        match parse(pattern) {
            Ok(actual) => {
                assert_eq!(actual, expected, "\npattern:  {pattern}\nactual:   {actual:#}\nexpected: {expected:#}")
            }
            Err(e) => panic!("{pattern:?} did not parse: {e}"),
        }
    }

    /// Every pattern in `variants` parses to the same tree as the first.
    fn same(variants: &[&str]) {
        let first = parse(variants[0]).unwrap_or_else(|e| panic!("{:?}: {e}", variants[0]));
        for v in &variants[1..] {
            check(v, first.clone());
        }
    }

    fn fails(pattern: &str, reason_contains: &str) {
        match parse(pattern) {
            Ok(v) => panic!("{pattern:?} parsed as {v}"),
            Err(e) => assert!(e.reason.contains(reason_contains), "{pattern:?}: {e} (wanted {reason_contains:?})"),
        }
    }

    // ---- the CIS AWS Foundations v3.0.0 section 4 patterns, as published ----

    #[test]
    fn cis_4_1_unauthorized_api_calls() {
        // The v1.2/v1.3 form.
        check(
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
            or(vec![eq("$.errorCode", "*UnauthorizedOperation"), eq("$.errorCode", "AccessDenied*")]),
        );
        // The v1.4+ form: `&&` binds tighter, so the exclusions qualify the AccessDenied branch.
        check(
            r#"{($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#,
            or(vec![
                eq("$.errorCode", "*UnauthorizedOperation"),
                and(vec![
                    eq("$.errorCode", "AccessDenied*"),
                    ne("$.sourceIPAddress", "delivery.logs.amazonaws.com"),
                    ne("$.eventName", "HeadBucket"),
                ]),
            ]),
        );
    }

    #[test]
    fn cis_4_2_console_sign_in_without_mfa() {
        check(
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
            and(vec![event("ConsoleLogin"), ne("$.additionalEventData.MFAUsed", "Yes")]),
        );
        check(
            r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#,
            and(vec![
                event("ConsoleLogin"),
                ne("$.additionalEventData.MFAUsed", "Yes"),
                eq("$.userIdentity.type", "IAMUser"),
                eq("$.responseElements.ConsoleLogin", "Success"),
            ]),
        );
    }

    #[test]
    fn cis_4_3_root_usage() {
        let expected = and(vec![
            eq("$.userIdentity.type", "Root"),
            json!({"field": "$.userIdentity.invokedBy", "exists": false}),
            ne("$.eventType", "AwsServiceEvent"),
        ]);
        check(
            r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
            expected.clone(),
        );
        check(
            r#"{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}"#,
            expected,
        );
    }

    #[test]
    fn cis_4_4_iam_policy_changes() {
        let names = [
            "DeleteGroupPolicy",
            "DeleteRolePolicy",
            "DeleteUserPolicy",
            "PutGroupPolicy",
            "PutRolePolicy",
            "PutUserPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
            "DeletePolicyVersion",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "AttachUserPolicy",
            "DetachUserPolicy",
            "AttachGroupPolicy",
            "DetachGroupPolicy",
        ];
        let pattern =
            format!("{{{}}}", names.iter().map(|n| format!("($.eventName={n})")).collect::<Vec<_>>().join("||"));
        check(&pattern, or(names.iter().map(|n| event(n)).collect()));
    }

    #[test]
    fn cis_4_5_cloudtrail_configuration_changes() {
        check(
            "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
            or(["CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"].map(event).to_vec()),
        );
    }

    #[test]
    fn cis_4_6_console_authentication_failures() {
        check(
            r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#,
            and(vec![event("ConsoleLogin"), eq("$.errorMessage", "Failed authentication")]),
        );
    }

    #[test]
    fn cis_4_7_disabled_or_deleted_cmks() {
        check(
            "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
            and(vec![
                eq("$.eventSource", "kms.amazonaws.com"),
                or(vec![event("DisableKey"), event("ScheduleKeyDeletion")]),
            ]),
        );
    }

    #[test]
    fn cis_4_8_s3_bucket_policy_changes() {
        let names = [
            "PutBucketAcl",
            "PutBucketPolicy",
            "PutBucketCors",
            "PutBucketLifecycle",
            "PutBucketReplication",
            "DeleteBucketPolicy",
            "DeleteBucketCors",
            "DeleteBucketLifecycle",
            "DeleteBucketReplication",
        ];
        let alternatives = names.iter().map(|n| format!("($.eventName = {n})")).collect::<Vec<_>>().join(" || ");
        check(
            &format!("{{ ($.eventSource = s3.amazonaws.com) && ({alternatives}) }}"),
            and(vec![eq("$.eventSource", "s3.amazonaws.com"), or(names.iter().map(|n| event(n)).collect())]),
        );
    }

    #[test]
    fn cis_4_9_config_changes() {
        check(
            "{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel) ||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }",
            and(vec![
                eq("$.eventSource", "config.amazonaws.com"),
                or(["StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder"]
                    .map(event)
                    .to_vec()),
            ]),
        );
    }

    #[test]
    fn cis_4_10_to_4_12_and_4_14_event_name_lists() {
        let cases: [&[&str]; 4] = [
            &[
                "AuthorizeSecurityGroupIngress",
                "AuthorizeSecurityGroupEgress",
                "RevokeSecurityGroupIngress",
                "RevokeSecurityGroupEgress",
                "CreateSecurityGroup",
                "DeleteSecurityGroup",
            ],
            &[
                "CreateNetworkAcl",
                "CreateNetworkAclEntry",
                "DeleteNetworkAcl",
                "DeleteNetworkAclEntry",
                "ReplaceNetworkAclEntry",
                "ReplaceNetworkAclAssociation",
            ],
            &[
                "CreateCustomerGateway",
                "DeleteCustomerGateway",
                "AttachInternetGateway",
                "CreateInternetGateway",
                "DeleteInternetGateway",
                "DetachInternetGateway",
            ],
            &[
                "CreateVpc",
                "DeleteVpc",
                "ModifyVpcAttribute",
                "AcceptVpcPeeringConnection",
                "CreateVpcPeeringConnection",
                "DeleteVpcPeeringConnection",
                "RejectVpcPeeringConnection",
                "AttachClassicLinkVpc",
                "DetachClassicLinkVpc",
                "DisableVpcClassicLink",
                "EnableVpcClassicLink",
            ],
        ];
        for names in cases {
            let pattern = format!(
                "{{ {} }}",
                names.iter().map(|n| format!("($.eventName = {n})")).collect::<Vec<_>>().join(" || ")
            );
            check(&pattern, or(names.iter().map(|n| event(n)).collect()));
        }
    }

    #[test]
    fn cis_4_13_route_table_changes() {
        let names = [
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ];
        let alternatives = names.iter().map(|n| format!("($.eventName = {n})")).collect::<Vec<_>>().join(" || ");
        // v1.5+: the event names grouped under the event source.
        check(
            &format!("{{($.eventSource = ec2.amazonaws.com) && ({alternatives}) }}"),
            and(vec![eq("$.eventSource", "ec2.amazonaws.com"), or(names.iter().map(|n| event(n)).collect())]),
        );
        // v1.4 left out the grouping, so the source qualifies only CreateRoute.
        let mut expected: Vec<Value> = names[1..].iter().map(|n| event(n)).collect();
        expected.push(and(vec![eq("$.eventSource", "ec2.amazonaws.com"), event("CreateRoute")]));
        check(&format!("{{($.eventSource = ec2.amazonaws.com) && {alternatives} }}"), or(expected));
    }

    #[test]
    fn cis_4_15_organizations_changes() {
        let names = [
            "AcceptHandshake",
            "AttachPolicy",
            "CreateAccount",
            "CreateOrganizationalUnit",
            "CreatePolicy",
            "DeclineHandshake",
            "DeleteOrganization",
            "DeleteOrganizationalUnit",
            "DeletePolicy",
            "DetachPolicy",
            "DisablePolicyType",
            "EnablePolicyType",
            "InviteAccountToOrganization",
            "LeaveOrganization",
            "MoveAccount",
            "RemoveAccountFromOrganization",
            "UpdatePolicy",
            "UpdateOrganizationalUnit",
        ];
        let alternatives = names.iter().map(|n| format!(r#"($.eventName = "{n}")"#)).collect::<Vec<_>>().join(" || ");
        check(
            &format!("{{ ($.eventSource = organizations.amazonaws.com) && ({alternatives}) }}"),
            and(vec![eq("$.eventSource", "organizations.amazonaws.com"), or(names.iter().map(|n| event(n)).collect())]),
        );
    }

    // ---- normalisation ----

    #[test]
    fn whitespace_quotes_parentheses_and_order_do_not_matter() {
        same(&[
            "{ ($.eventName = CreateTrail) || ($.eventName = DeleteTrail) }",
            r#"{($.eventName="DeleteTrail")||($.eventName="CreateTrail")}"#,
            "  {\n\t(( $.eventName   =   CreateTrail ))\n ||\n (($.eventName = \"DeleteTrail\")) }  ",
            "{ $.eventName = DeleteTrail || $.eventName = CreateTrail }",
            "{ ($.eventName = CreateTrail || $.eventName = DeleteTrail) }",
            "{ (($.eventName = CreateTrail) || ($.eventName = DeleteTrail) || ($.eventName = CreateTrail)) }",
        ]);
        same(&[
            "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
            r#"{ (($.eventName = "ScheduleKeyDeletion") || ($.eventName = "DisableKey")) && $.eventSource = "kms.amazonaws.com" }"#,
        ]);
    }

    #[test]
    fn nested_nodes_with_the_same_connective_are_flattened() {
        same(&[
            "{ $.a = 1 && $.b = 2 && $.c = 3 }",
            "{ ($.a = 1 && ($.b = 2)) && ($.c = 3) }",
            "{ $.c = 3 && ($.b = 2 && $.a = 1) }",
        ]);
        same(&["{ $.a = 1 || $.b = 2 || $.c = 3 }", "{ ($.a = 1 || $.b = 2) || $.c = 3 }"]);
        // Different connectives stay nested.
        check(
            "{ $.a = 1 && ($.b = 2 || $.c = 3) }",
            and(vec![
                json!({"field": "$.a", "cmp": "=", "value": 1}),
                or(vec![
                    json!({"field": "$.b", "cmp": "=", "value": 2}),
                    json!({"field": "$.c", "cmp": "=", "value": 3}),
                ]),
            ]),
        );
    }

    #[test]
    fn a_single_comparison_is_an_and_of_one() {
        let expected = and(vec![eq("$.eventName", "ConsoleLogin")]);
        check("{ $.eventName = ConsoleLogin }", expected.clone());
        check(r#"{ ((($.eventName = "ConsoleLogin"))) }"#, expected.clone());
        check("{ ($.eventName = ConsoleLogin) || ($.eventName = ConsoleLogin) }", expected);
    }

    #[test]
    fn values_operators_and_special_forms() {
        check(
            r#"{ $.latency >= 100 && $.size < 2.5 && $.code != -1 && $.n > 1e3 && $.m <= 0 && $.s = "42" }"#,
            and(vec![
                json!({"field": "$.latency", "cmp": ">=", "value": 100}),
                json!({"field": "$.size", "cmp": "<", "value": 2.5}),
                json!({"field": "$.code", "cmp": "!=", "value": -1}),
                json!({"field": "$.n", "cmp": ">", "value": 1000.0}),
                json!({"field": "$.m", "cmp": "<=", "value": 0}),
                json!({"field": "$.s", "cmp": "=", "value": "42"}),
            ]),
        );
        check(
            "{ $.a IS NULL || $.b IS TRUE || $.c is false || $.d NOT EXISTS }",
            or(vec![
                json!({"field": "$.a", "cmp": "=", "value": null}),
                json!({"field": "$.b", "cmp": "=", "value": true}),
                json!({"field": "$.c", "cmp": "=", "value": false}),
                json!({"field": "$.d", "exists": false}),
            ]),
        );
        check(
            r#"{ $.msg = "say \"hi\" \\ (now) && || }" && $.arr[0].id = x-1 && $.list[*] = "*" }"#,
            and(vec![eq("$.msg", r#"say "hi" \ (now) && || }"#), eq("$.arr[0].id", "x-1"), eq("$.list[*]", "*")]),
        );
    }

    #[test]
    fn terms_are_ordered_by_field_before_nested_nodes() {
        let parsed = parse(r#"{ ($.b = 1 || $.c = 2) && $.z NOT EXISTS && $.a != "x" && $.a = "x" }"#).unwrap();
        let fields: Vec<Value> = parsed["terms"].as_array().unwrap().iter().map(|t| t["field"].clone()).collect();
        assert_eq!(fields, vec![json!("$.a"), json!("$.a"), json!("$.z"), Value::Null]);
        assert_eq!(parsed["terms"][0]["cmp"], json!("!="));
        assert_eq!(parsed["terms"][3]["op"], json!("or"));
        assert_eq!(canonical(&json!({"b": [1, {"d": 2, "c": 3}], "a": null})), r#"{"a":null,"b":[1,{"c":3,"d":2}]}"#);
    }

    // ---- malformed patterns ----

    #[test]
    fn malformed_patterns_are_rejected_with_a_reason() {
        fails("", "empty");
        fails("   ", "empty");
        fails("ERROR", "not a JSON filter pattern");
        fails("[ip, user, timestamp]", "not a JSON filter pattern");
        fails("{ }", "empty expression");
        fails("{ () }", "empty expression");
        fails("{ $.eventName = CreateTrail", "missing the closing");
        fails("{ ($.eventName = CreateTrail }", "expected ')'");
        fails("{ $.eventName = CreateTrail) }", "expected '&&', '||' or '}'");
        fails("{ $.eventName = CreateTrail } trailing", "after the closing");
        fails("{ $.eventName CreateTrail }", "comparison operator");
        fails("{ $.eventName == CreateTrail }", "'=='");
        fails("{ $.eventName = }", "expected a value");
        fails(r#"{ $.eventName = "CreateTrail }"#, "unterminated");
        fails("{ $.a = 1 && }", "empty expression");
        fails("{ $.a = 1 || || $.b = 2 }", "expected '(' or a selector");
        fails("{ $.a = 1 & $.b = 2 }", "expected '&&', '||' or '}'");
        fails("{ eventName = CreateTrail }", "selector");
        fails("{ $ = 1 }", "selector");
        fails("{ $.userIdentity.invokedByNOT EXISTS }", "comparison operator");
        fails("{ $.a NOT NULL }", "EXISTS after NOT");
        fails("{ $.a IS MAYBE }", "NULL, TRUE or FALSE");
        fails("{ $.a = 1 AND $.b = 2 }", "expected '&&', '||' or '}'");
        let e = parse("{ $.a = }").expect_err("no value");
        assert_eq!(e.position, 8);
        assert_eq!(e.to_string(), "at character 8: expected a value");
    }
}
