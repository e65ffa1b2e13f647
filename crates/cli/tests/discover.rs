//! `palisade source discover --org`: an organization planted in a fresh emulator account becomes
//! sources (names from the accounts, role ARNs, labels from the OUs or a mapping file, external ids
//! shown once), a second run skips them, and a member account is told to use the management one.

mod common;

use aws_sdk_organizations::types::OrganizationFeatureSet;
use common::*;
use palisade_testkit::TestAccount;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The planted organization: account name -> account id.
type Accounts = BTreeMap<&'static str, String>;

/// Root (the management account "master") > Workloads > Prod ("Shop Prod!") and Dev ("shop-dev");
/// Root > Sandbox ("lab", and "old", closed).
async fn plant(acct: &TestAccount) -> Accounts {
    let org = aws_sdk_organizations::Client::new(&acct.sdk);
    org.create_organization().feature_set(OrganizationFeatureSet::All).send().await.expect("organization");
    let root = org.list_roots().send().await.expect("roots").roots()[0].id().expect("root id").to_string();
    let ou = |parent: String, name: &'static str| {
        let org = org.clone();
        async move {
            let out = org.create_organizational_unit().parent_id(parent).name(name).send().await.expect("ou");
            out.organizational_unit().and_then(|o| o.id()).expect("ou id").to_string()
        }
    };
    let workloads = ou(root.clone(), "Workloads").await;
    let prod = ou(workloads.clone(), "Prod").await;
    let dev = ou(workloads, "Dev").await;
    let sandbox = ou(root.clone(), "Sandbox").await;
    let mut accounts = Accounts::new();
    accounts.insert("master", acct.account_id.clone());
    for (name, parent) in [("Shop Prod!", &prod), ("shop-dev", &dev), ("lab", &sandbox), ("old", &sandbox)] {
        let status = org
            .create_account()
            .account_name(name)
            .email(format!("{}@example.com", name.replace([' ', '!'], "")))
            .send()
            .await
            .expect("account");
        let id = status.create_account_status().and_then(|s| s.account_id()).expect("account id").to_string();
        org.move_account()
            .account_id(&id)
            .source_parent_id(&root)
            .destination_parent_id(parent)
            .send()
            .await
            .expect("move");
        accounts.insert(name, id);
    }
    org.close_account().account_id(&accounts["old"]).send().await.expect("close");
    accounts
}

fn discover(acct: &TestAccount, dir: &Path, args: &[&str]) -> std::process::Output {
    let out = run(palisade_as(acct, dir)
        .args(["source", "discover", "--org", "--role-name", "PalisadeAudit", "--db"])
        .arg(db(dir))
        .args(args));
    assert!(out.status.success(), "discover {args:?}: {}", stderr(&out));
    out
}

/// `(result, source name, label, reason)` by account id.
fn rows(out: &Value) -> BTreeMap<String, (String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    out.as_array()
        .expect("rows")
        .iter()
        .map(|r| (s(&r["account_id"]), (s(&r["result"]), s(&r["name"]), s(&r["label"]), s(&r["reason"]))))
        .collect()
}

fn row(result: &str, name: &str, label: &str, reason: &str) -> (String, String, String, String) {
    (result.into(), name.into(), label.into(), reason.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_accounts_become_sources_labelled_by_their_ou() {
    let acct = TestAccount::new().await;
    let a = plant(&acct).await;
    let dir = tempfile::tempdir().unwrap();
    let expected = |result: &str| {
        BTreeMap::from([
            (a["master"].clone(), row(result, "master", "Root", "")),
            (a["Shop Prod!"].clone(), row(result, "Shop-Prod", "Prod", "")),
            (a["shop-dev"].clone(), row(result, "shop-dev", "Dev", "")),
            (a["lab"].clone(), row(result, "lab", "Sandbox", "")),
            (a["old"].clone(), row("skipped", "", "", "account is SUSPENDED")),
        ])
    };

    // A dry run adds nothing and shows no external ids.
    let planned = json(&discover(&acct, dir.path(), &["--label-from-ou", "--dry-run", "--format", "json"]));
    assert_eq!(rows(&planned), expected("would add"));
    assert!(planned.as_array().unwrap().iter().all(|r| r["external_id"].is_null()), "{planned:#}");
    let listed = json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(db(dir.path()))));
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed:#}");

    let added = json(&discover(&acct, dir.path(), &["--label-from-ou", "--regions", "us-east-1", "--format", "json"]));
    assert_eq!(rows(&added), expected("added"));
    for r in added.as_array().unwrap().iter().filter(|r| r["result"] == "added") {
        let id = r["account_id"].as_str().unwrap();
        assert_eq!(r["role_arn"], format!("arn:aws:iam::{id}:role/PalisadeAudit"));
        let x = r["external_id"].as_str().expect("external id shown once");
        assert!(x.len() == 32 && x.bytes().all(|b| b.is_ascii_hexdigit()), "{x}");
    }
    let ids: Vec<&str> = added.as_array().unwrap().iter().filter_map(|r| r["external_id"].as_str()).collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.iter().enumerate().all(|(i, x)| !ids[..i].contains(x)), "one external id per source: {ids:?}");

    let listed = json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(db(dir.path()))));
    let sources: BTreeMap<String, &Value> =
        listed.as_array().unwrap().iter().map(|s| (s["name"].as_str().unwrap().to_string(), s)).collect();
    assert_eq!(sources.keys().collect::<Vec<_>>(), ["Shop-Prod", "lab", "master", "shop-dev"]);
    let shop = sources["Shop-Prod"];
    assert_eq!(shop["account_id"], a["Shop Prod!"].as_str());
    assert_eq!(shop["label"], "Prod");
    assert_eq!(shop["role_arn"], format!("arn:aws:iam::{}:role/PalisadeAudit", a["Shop Prod!"]));
    assert_eq!(shop["regions"], serde_json::json!(["us-east-1"]));
    assert_eq!(shop["external_id"], "set");
    assert_eq!(shop["enabled"], true);
    assert_eq!(sources["master"]["label"], "Root");

    // A second run finds every account already a source.
    let again = discover(&acct, dir.path(), &["--label-from-ou"]);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(text.contains("added 0 source(s), skipped 5 account(s)"), "{text}");
    assert!(text.contains("already the source Shop-Prod"), "{text}");
    let again = json(&discover(&acct, dir.path(), &["--label-from-ou", "--format", "json"]));
    assert_eq!(rows(&again)[&a["lab"]], row("skipped", "", "", "already the source lab"));
    let listed = json(&run(palisade().args(["source", "list", "--format", "json", "--db"]).arg(db(dir.path()))));
    assert_eq!(listed.as_array().map(Vec::len), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapping_file_labels_by_ou_path_and_account() {
    let acct = TestAccount::new().await;
    let a = plant(&acct).await;
    let dir = tempfile::tempdir().unwrap();
    let mapping = dir.path().join("labels.yaml");
    std::fs::write(
        &mapping,
        format!("# labels for discover\nRoot/Workloads: Prod\nRoot/Workloads/Dev: Dev\n\"{}\": Test\n", a["lab"]),
    )
    .unwrap();
    let out = json(&discover(&acct, dir.path(), &["--mapping", mapping.to_str().unwrap(), "--format", "json"]));
    assert_eq!(
        rows(&out),
        BTreeMap::from([
            (a["master"].clone(), row("skipped", "", "", "no label in the mapping")),
            (a["Shop Prod!"].clone(), row("added", "Shop-Prod", "Prod", "")),
            (a["shop-dev"].clone(), row("added", "shop-dev", "Dev", "")),
            (a["lab"].clone(), row("added", "lab", "Test", "")),
            (a["old"].clone(), row("skipped", "", "", "account is SUSPENDED")),
        ])
    );

    // A bad mapping fails before any call, naming the file and the line.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "Root/Workloads: Prod\n  nested: x\n").unwrap();
    let out = run(palisade_as(&acct, dir.path())
        .args(["source", "discover", "--org", "--mapping", bad.to_str().unwrap(), "--db"])
        .arg(db(dir.path())));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad.yaml") && stderr(&out).contains("line 2"), "{}", stderr(&out));

    // Neither --label-from-ou nor --mapping: a usage error.
    let out = run(palisade_as(&acct, dir.path()).args(["source", "discover", "--org", "--db"]).arg(db(dir.path())));
    assert!(!out.status.success());

    // A member account cannot list the organization: it is told which account can.
    let member = TestAccount { account_id: a["lab"].clone(), sdk: acct.sdk.clone() };
    let out = run(palisade_as(&member, dir.path())
        .args(["source", "discover", "--org", "--label-from-ou", "--db"])
        .arg(db(dir.path())));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("is a member of organization") && err.contains(&acct.account_id), "{err}");
}
