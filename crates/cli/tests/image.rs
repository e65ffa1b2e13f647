//! `palisade image scan` end to end on the images made by `scripts/testdata/make-images.sh`; no
//! emulator needed.

mod common;

use common::{json, palisade, run, stderr};
use std::path::PathBuf;
use std::process::Command;

/// The test data directory; fails (never skips) when the script has not been run.
fn testdata() -> PathBuf {
    let dir = std::env::var_os("PALISADE_TESTDATA").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/palisade/testdata")
    });
    assert!(
        dir.join(".complete").exists(),
        "disk image test data missing in {}: run scripts/testdata/make-images.sh (scripts/test.sh does)",
        dir.display()
    );
    dir
}

fn installed_openssl(dir: &std::path::Path) -> String {
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}", dir.join("debian-rootfs/var/lib/dpkg").display()))
        .args(["-W", "-f", "${Version}", "openssl"])
        .output()
        .expect("running dpkg-query");
    assert!(out.status.success(), "dpkg-query: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn image_scan_prints_the_os_packages_and_openssl_match() {
    let dir = testdata();
    let installed = installed_openssl(&dir);
    let fixed = format!("{installed}+deb12u99");
    let osv = tempfile::tempdir().unwrap();
    let record = serde_json::json!({
        "id": "TEST-CLI-OPENSSL",
        "upstream": ["CVE-2099-0003"],
        "affected": [{
            "package": {"ecosystem": "Debian:12", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }]
    });
    std::fs::write(osv.path().join("r.json"), record.to_string()).unwrap();
    let image = dir.join("debian-gpt.raw");

    let out =
        run(palisade().args(["image", "scan"]).arg(&image).arg("--osv").arg(osv.path()).args(["--format", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["os"]["id"], "debian");
    assert_eq!(doc["partition_table"], "gpt");
    assert_eq!(doc["root"], "partition 1");
    assert!(doc["package_counts"]["dpkg"].as_u64().unwrap() > 50, "{}", doc["package_counts"]);
    let matches = doc["matches"].as_array().unwrap();
    let openssl = matches.iter().find(|m| m["package"] == "openssl").expect("openssl matched");
    assert_eq!(openssl["installed_version"], installed.as_str());
    assert_eq!(openssl["fixed_version"], fixed.as_str());

    let out = run(palisade().args(["image", "scan"]).arg(&image).arg("--osv").arg(osv.path()));
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8(out.stdout).unwrap();
    for expected in ["Debian GNU/Linux 12", "dpkg ", "read (root)", "TEST-CLI-OPENSSL", "CVE-2099-0003", &fixed] {
        assert!(table.contains(expected), "{expected:?} not in:\n{table}");
    }
}

#[test]
fn image_scan_lists_an_unsupported_file_system() {
    let out = run(palisade().args(["image", "scan"]).arg(testdata().join("vfat.raw")).args(["--format", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["volumes"][0]["file_system"], "vfat");
    assert_eq!(doc["volumes"][0]["status"], "unsupported");
    assert_eq!(doc["os"], serde_json::Value::Null);
    assert_eq!(doc["matches"], serde_json::Value::Null, "no --osv, no matching");
}

#[test]
fn image_scan_of_a_missing_file_fails() {
    let out = run(palisade().args(["image", "scan", "/nonexistent/disk.qcow2"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent/disk.qcow2"), "{}", stderr(&out));
}
