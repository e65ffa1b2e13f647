//! `docs/openapi.yaml` against the server's route table: the same routes (method and path), the
//! same query parameters, and security that matches each route's access.

use palisade_server::routes::{Access, ROUTES};
use serde_json::Value;
use std::collections::BTreeSet;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options", "trace"];

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("docs/openapi.yaml");
    serde_norway::from_str(&text).expect("docs/openapi.yaml is YAML")
}

/// Resolves a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => v,
    }
}

fn parameters<'a>(doc: &'a Value, path_item: &'a Value, op: &'a Value, location: &str) -> BTreeSet<String> {
    let all = path_item.get("parameters").into_iter().chain(op.get("parameters")).flat_map(|p| p.as_array().unwrap());
    all.map(|p| resolve(doc, p))
        .filter(|p| p["in"] == location)
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_document_lists_exactly_the_routes() {
    let doc = document();
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.1")), Some(true));
    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| METHODS.contains(&k.as_str()))
                .map(|m| (m.clone(), path.clone()))
        })
        .collect();
    let served: BTreeSet<(String, String)> =
        ROUTES.iter().map(|r| (r.method.as_str().to_string(), r.path.to_string())).collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served, not documented: {undocumented:?}; documented, not served: {unserved:?}"
    );
}

#[test]
fn parameters_responses_and_security_match_each_route() {
    let doc = document();
    assert!(
        doc["security"].as_array().is_some_and(|s| s.iter().any(|s| s.get("bearer").is_some())),
        "bearer by default"
    );
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for route in ROUTES {
        let what = format!("{} {}", route.method.as_str(), route.path);
        let item = &doc["paths"][route.path];
        let op = &item[route.method.as_str()];

        let query = parameters(&doc, item, op, "query");
        let served: BTreeSet<String> = route.query.iter().map(|q| q.to_string()).collect();
        assert_eq!(query, served, "{what}: query parameters");

        let in_path: BTreeSet<String> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_string)
            .collect();
        assert_eq!(parameters(&doc, item, op, "path"), in_path, "{what}: path parameters");

        let responses = op["responses"].as_object().unwrap_or_else(|| panic!("{what}: no responses"));
        assert!(responses.keys().any(|k| k.starts_with('2')), "{what}: no success response");
        let public = op.get("security").and_then(Value::as_array).is_some_and(|s| s.is_empty());
        assert_eq!(public, route.access == Access::Public, "{what}: security");
        if route.access != Access::Public {
            assert!(responses.contains_key("401"), "{what}: 401 not documented");
        }
        assert_eq!(
            responses.contains_key("403"),
            route.access == Access::Admin,
            "{what}: 403 documented iff admin-only"
        );
        if !route.query.is_empty() {
            assert!(responses.contains_key("400"), "{what}: takes parameters but documents no 400");
        }
    }
}
