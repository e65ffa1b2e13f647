//! Matching tests: hand-written OSV records against small inventories, with the boundaries of
//! each range checked on both sides.

use super::*;
use crate::inventory::lockfiles::{parse_cargo_lock, parse_requirements};
use crate::inventory::{apk, dpkg, os_release, PackageManager, RpmPackage};

fn records(json: &[&str]) -> Vec<Vulnerability> {
    json.iter().map(|j| Vulnerability::from_json(j.as_bytes()).unwrap_or_else(|e| panic!("{e}: {j}"))).collect()
}

fn os(text: &str) -> Option<os_release::OsRelease> {
    Some(os_release::parse(text).unwrap())
}

fn dpkg_inventory(os_release: &str, packages: &[(&str, &str, &str)]) -> Inventory {
    let status: String = packages
        .iter()
        .map(|(name, source, version)| {
            format!("Package: {name}\nStatus: install ok installed\nSource: {source}\nVersion: {version}\n\n")
        })
        .collect();
    Inventory { os: os(os_release), packages: dpkg::parse_status(status.as_bytes()).unwrap() }
}

/// (package, installed version, vulnerability id, fixed version) of every match, in order.
fn check(inventory: &Inventory, vulns: &[Vulnerability], expected: &[(&str, &str, &str, Option<&str>)]) {
    let found: Vec<(String, String, String, Option<String>)> = matches(inventory, vulns)
        .into_iter()
        .map(|m| (m.package, m.installed_version, m.vulnerability_id, m.fixed_version))
        .collect();
    let expected: Vec<(String, String, String, Option<String>)> = expected
        .iter()
        .map(|(p, v, id, fixed)| (p.to_string(), v.to_string(), id.to_string(), fixed.map(str::to_string)))
        .collect();
    assert_eq!(found, expected);
}

const DEBIAN_12: &str = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
const DEBIAN_11: &str = "ID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n";

/// openssl in bookworm, CVE-2023-5363, fixed by DSA-5532-1 in 3.0.11-1~deb12u2; keyed by the
/// source package as Debian's records are.
const OPENSSL_DSA: &str = r#"{
    "id": "DSA-5532-1",
    "summary": "openssl - security update",
    "upstream": ["CVE-2023-5363"],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
    "affected": [{
        "package": {"ecosystem": "Debian:12", "name": "openssl"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]}]
    }]
}"#;

#[test]
fn debian_packages_match_through_their_source_package() {
    let vulns = records(&[OPENSSL_DSA]);
    let inventory = dpkg_inventory(
        DEBIAN_12,
        &[
            ("libssl3", "openssl", "3.0.11-1~deb12u1"),
            ("openssl", "openssl", "3.0.11-1~deb12u1"),
            ("libcrypto-other", "other", "3.0.11-1~deb12u1"),
        ],
    );
    check(
        &inventory,
        &vulns,
        &[
            ("libssl3", "3.0.11-1~deb12u1", "DSA-5532-1", Some("3.0.11-1~deb12u2")),
            ("openssl", "3.0.11-1~deb12u1", "DSA-5532-1", Some("3.0.11-1~deb12u2")),
        ],
    );
    let first = &matches(&inventory, &vulns)[0];
    assert_eq!(first.source_package.as_deref(), Some("openssl"));
    assert_eq!(first.ecosystem, "Debian:12");
    assert_eq!(first.aliases, ["CVE-2023-5363"]);
    assert_eq!(first.summary.as_deref(), Some("openssl - security update"));
    assert_eq!((first.severity, first.cvss_score), (Some(Severity::High), Some(7.5)));
}

#[test]
fn the_fixed_version_and_later_ones_are_not_affected() {
    let vulns = records(&[OPENSSL_DSA]);
    for (version, affected) in [
        ("3.0.9-1", true),
        ("3.0.11-1~deb12u1", true),
        ("3.0.11-1~deb12u2", false),
        ("3.0.11-1~deb12u2+b1", false),
        ("3.0.13-1~deb12u1", false),
    ] {
        let inventory = dpkg_inventory(DEBIAN_12, &[("libssl3", "openssl", version)]);
        assert_eq!(!matches(&inventory, &vulns).is_empty(), affected, "{version}");
    }
}

#[test]
fn a_record_for_one_release_never_matches_another() {
    let vulns = records(&[OPENSSL_DSA]);
    check(&dpkg_inventory(DEBIAN_11, &[("libssl1.1", "openssl", "1.1.1n-0+deb11u5")]), &vulns, &[]);
    check(
        &dpkg_inventory(
            "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04 LTS\"",
            &[("libssl3", "openssl", "3.0.2-0ubuntu1")],
        ),
        &vulns,
        &[],
    );
    // No os-release: the distribution, and so the ecosystem, is unknown.
    let mut unknown = dpkg_inventory(DEBIAN_12, &[("libssl3", "openssl", "3.0.9-1")]);
    unknown.os = None;
    check(&unknown, &vulns, &[]);
}

#[test]
fn epochs_outweigh_versions() {
    let vulns = records(&[r#"{"id": "TEST-EPOCH", "affected": [{
        "package": {"ecosystem": "Debian:12", "name": "vim"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2:9.0.1378-2+deb12u1"}]}]}]}"#]);
    for (version, affected) in [
        ("2:9.0.1378-2", true),
        // Without an epoch, a higher-looking version is still older.
        ("9.1.0000-1", true),
        ("2:9.0.1378-2+deb12u1", false),
        ("3:8.0-1", false),
    ] {
        let inventory = dpkg_inventory(DEBIAN_12, &[("vim", "vim", version)]);
        assert_eq!(!matches(&inventory, &vulns).is_empty(), affected, "{version}");
    }
}

#[test]
fn last_affected_is_inclusive_and_introduced_is_inclusive() {
    let vulns = records(&[r#"{"id": "GHSA-test-last", "affected": [{
        "package": {"ecosystem": "crates.io", "name": "demo"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.3.0"}]}]}]}"#]);
    for (version, affected) in [
        ("0.9.9", false),
        ("1.0.0-rc.1", false),
        ("1.0.0", true),
        ("1.3.0", true),
        ("1.3.1-alpha.1", false),
        ("1.3.1", false),
    ] {
        let inventory = Inventory { os: None, packages: vec![Package::new(PackageManager::Cargo, "demo", version)] };
        assert_eq!(!matches(&inventory, &vulns).is_empty(), affected, "{version}");
        if affected {
            assert_eq!(matches(&inventory, &vulns)[0].fixed_version, None, "no fix is known");
        }
    }
}

#[test]
fn several_introduced_and_fixed_pairs_make_separate_windows() {
    // The schema's own multiple-range example.
    let vulns = records(&[r#"{"id": "TEST-WINDOWS", "affected": [{
        "package": {"ecosystem": "npm", "name": "demo"},
        "ranges": [{"type": "SEMVER", "events": [
            {"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}]}]}]}"#]);
    for (version, fixed) in [
        ("0.9.0", None),
        ("1.0.0", Some("1.0.2")),
        ("1.0.1", Some("1.0.2")),
        ("1.0.2", None),
        ("2.5.0", None),
        ("3.0.0", Some("3.2.5")),
        ("3.2.4", Some("3.2.5")),
        ("3.2.5", None),
        ("4.0.0", None),
    ] {
        let inventory = Inventory { os: None, packages: vec![Package::new(PackageManager::Npm, "demo", version)] };
        let expected: Vec<_> = fixed.into_iter().map(|f| ("demo", version, "TEST-WINDOWS", Some(f))).collect();
        check(&inventory, &vulns, &expected);
    }
}

#[test]
fn events_out_of_order_are_evaluated_in_version_order() {
    let vulns = records(&[r#"{"id": "TEST-UNSORTED", "affected": [{
        "package": {"ecosystem": "npm", "name": "demo"},
        "ranges": [{"type": "SEMVER", "events": [
            {"fixed": "3.2.5"}, {"introduced": "3.0.0"}, {"fixed": "1.0.2"}, {"introduced": "1.0.0"}]}]}]}"#]);
    for (version, affected) in [("1.0.1", true), ("2.0.0", false), ("3.1.0", true), ("3.2.5", false)] {
        let inventory = Inventory { os: None, packages: vec![Package::new(PackageManager::Npm, "demo", version)] };
        assert_eq!(!matches(&inventory, &vulns).is_empty(), affected, "{version}");
    }
}

#[test]
fn limit_events_bound_the_range() {
    let vulns = records(&[r#"{"id": "TEST-LIMIT", "affected": [{
        "package": {"ecosystem": "PyPI", "name": "demo"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"limit": "2.0"}]},
                   {"type": "ECOSYSTEM", "events": [{"introduced": "5.0"}, {"limit": "*"}]}]}]}"#]);
    for (version, affected) in [("1.9", true), ("2.0", false), ("3.0", false), ("5.0", true), ("9.0", true)] {
        let inventory = Inventory { os: None, packages: vec![Package::new(PackageManager::Pip, "demo", version)] };
        assert_eq!(!matches(&inventory, &vulns).is_empty(), affected, "{version}");
    }
}

#[test]
fn pypi_ranges_use_pep_440_and_normalised_names() {
    // Django 4.2 before 4.2.7 (CVE-2023-46695), as PyPI advisories describe it.
    let vulns = records(&[r#"{"id": "PYSEC-test-django", "aliases": ["CVE-2023-46695"],
        "database_specific": {"severity": "MODERATE"},
        "affected": [{"package": {"ecosystem": "PyPI", "name": "django"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.2"}, {"fixed": "4.2.7"}]}]}]}"#]);
    let requirements = "Django==4.2.6\nDjango-Extensions==3.2.3\n";
    let packages = parse_requirements(requirements.as_bytes()).unwrap();
    let inventory = Inventory {
        os: None,
        packages: packages.into_iter().map(|p| p.with_location("/app/requirements.txt")).collect(),
    };
    check(&inventory, &vulns, &[("Django", "4.2.6", "PYSEC-test-django", Some("4.2.7"))]);
    let found = &matches(&inventory, &vulns)[0];
    assert_eq!(found.location.as_deref(), Some("/app/requirements.txt"));
    assert_eq!(found.severity, Some(Severity::Medium));
    assert_eq!(found.aliases, ["CVE-2023-46695"]);

    for (version, affected) in
        [("4.2rc1", false), ("4.2", true), ("4.2.0", true), ("4.2.7", false), ("4.2.7.post1", false)]
    {
        let inventory = Inventory { os: None, packages: vec![Package::new(PackageManager::Pip, "django", version)] };
        assert_eq!(!matches(&inventory, &vulns).is_empty(), affected, "{version}");
    }
}

#[test]
fn the_versions_list_matches_on_its_own() {
    // A GIT range cannot be evaluated here; the enumerated versions still can.
    let vulns = records(&[r#"{"id": "TEST-LISTED", "affected": [{
        "package": {"ecosystem": "PyPI", "name": "demo"},
        "ranges": [{"type": "GIT", "repo": "https://example.com/demo.git", "events": [{"introduced": "0"}]}],
        "versions": ["2.0.0", "2.0.1", "not-pep-440"]}]}"#]);
    for (version, affected) in [("2.0", true), ("2.0.1", true), ("2.0.2", false), ("not-pep-440", true)] {
        let inventory = Inventory { os: None, packages: vec![Package::new(PackageManager::Pip, "demo", version)] };
        assert_eq!(!matches(&inventory, &vulns).is_empty(), affected, "{version}");
    }
}

#[test]
fn invalid_versions_never_fall_into_a_range() {
    let vulns = records(&[r#"{"id": "TEST-INVALID", "affected": [{
        "package": {"ecosystem": "crates.io", "name": "demo"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "not.a.version"}]}]}]}"#]);
    // The unreadable fixed event is ignored, so every valid version stays affected, with no fix.
    let inventory = Inventory {
        os: None,
        packages: vec![
            Package::new(PackageManager::Cargo, "demo", "9.9.9"),
            Package::new(PackageManager::Cargo, "demo", "1.2"),
        ],
    };
    check(&inventory, &vulns, &[("demo", "9.9.9", "TEST-INVALID", None)]);
}

#[test]
fn withdrawn_records_and_other_ecosystems_never_match() {
    let vulns = records(&[
        r#"{"id": "TEST-WITHDRAWN", "withdrawn": "2024-01-01T00:00:00Z", "affected": [{
            "package": {"ecosystem": "crates.io", "name": "serde"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#,
        r#"{"id": "TEST-NPM", "affected": [{
            "package": {"ecosystem": "npm", "name": "serde"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#,
    ]);
    let lock = "[[package]]\nname = \"serde\"\nversion = \"1.0.197\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
    let inventory = Inventory { os: None, packages: parse_cargo_lock(lock.as_bytes()).unwrap() };
    check(&inventory, &vulns, &[]);
}

#[test]
fn a_vulnerability_is_reported_once_per_package() {
    // Two affected entries for the same package (the schema allows it for platform differences).
    let vulns = records(&[r#"{"id": "TEST-TWICE", "affected": [
        {"package": {"ecosystem": "npm", "name": "demo"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.0"}]}]},
        {"package": {"ecosystem": "npm", "name": "demo"}, "versions": ["1.0.0"]}]}"#]);
    let inventory = Inventory { os: None, packages: vec![Package::new(PackageManager::Npm, "demo", "1.0.0")] };
    check(&inventory, &vulns, &[("demo", "1.0.0", "TEST-TWICE", Some("2.0.0"))]);
}

#[test]
fn alpine_packages_match_through_their_origin_and_branch() {
    let vulns = records(&[r#"{"id": "ALPINE-test-openssl", "upstream": ["CVE-2024-0727"], "affected": [{
        "package": {"ecosystem": "Alpine:v3.19", "name": "openssl"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.4-r5"}]}]}]}"#]);
    let installed =
        |version: &str| format!("P:libcrypto3\nV:{version}\no:openssl\n\nP:musl\nV:1.2.4_git20230717-r4\no:musl\n");
    for (release, version, expected) in [
        ("3.19.1", "3.1.4-r4", vec![("libcrypto3", "3.1.4-r4", "ALPINE-test-openssl", Some("3.1.4-r5"))]),
        ("3.19.1", "3.1.4_rc1-r0", vec![("libcrypto3", "3.1.4_rc1-r0", "ALPINE-test-openssl", Some("3.1.4-r5"))]),
        ("3.19.1", "3.1.4-r5", vec![]),
        ("3.19.1", "3.1.4_p1-r0", vec![]),
        ("3.18.6", "3.1.4-r4", vec![]),
    ] {
        let inventory = Inventory {
            os: os(&format!("ID=alpine\nVERSION_ID={release}\n")),
            packages: apk::parse_installed(installed(version).as_bytes()).unwrap(),
        };
        check(&inventory, &vulns, &expected);
    }
}

#[test]
fn red_hat_records_match_binary_or_source_rpms_in_the_same_stream() {
    let vulns = records(&[
        r#"{"id": "RHSA-test-binary", "affected": [{
            "package": {"ecosystem": "Red Hat:enterprise_linux:9::baseos", "name": "openssl-libs"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-25.el9_3"}]}]}]}"#,
        r#"{"id": "RHSA-test-source", "affected": [{
            "package": {"ecosystem": "Red Hat:enterprise_linux:9::appstream", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-27.el9"}]}]}]}"#,
        r#"{"id": "RHSA-test-eus", "affected": [{
            "package": {"ecosystem": "Red Hat:rhel_eus:9.2::baseos", "name": "openssl-libs"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:3.0.7-30.el9"}]}]}]}"#,
    ]);
    let rpm = |epoch: Option<u64>, release: &str| {
        Package::from(RpmPackage {
            name: "openssl-libs".into(),
            epoch,
            version: "3.0.7".into(),
            release: release.into(),
            arch: Some("x86_64".into()),
            source_rpm: Some(format!("openssl-3.0.7-{release}.src.rpm")),
        })
    };
    let rhel9 = "ID=\"rhel\"\nVERSION_ID=\"9.3\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:9::baseos\"\n";
    let inventory = Inventory { os: os(rhel9), packages: vec![rpm(Some(1), "24.el9")] };
    check(
        &inventory,
        &vulns,
        &[
            ("openssl-libs", "1:3.0.7-24.el9", "RHSA-test-binary", Some("1:3.0.7-25.el9_3")),
            ("openssl-libs", "1:3.0.7-24.el9", "RHSA-test-source", Some("1:3.0.7-27.el9")),
        ],
    );
    let inventory = Inventory { os: os(rhel9), packages: vec![rpm(Some(1), "25.el9_3")] };
    check(&inventory, &vulns, &[("openssl-libs", "1:3.0.7-25.el9_3", "RHSA-test-source", Some("1:3.0.7-27.el9"))]);
    // Epoch 0 sorts below every epoch-1 fix, whatever the version.
    let inventory = Inventory { os: os(rhel9), packages: vec![rpm(None, "99.el9")] };
    assert_eq!(matches(&inventory, &vulns).len(), 2);
}

#[test]
fn ubuntu_lts_records_match_lts_systems_but_pro_records_do_not() {
    let vulns = records(&[
        r#"{"id": "UBUNTU-test", "affected": [{
            "package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.12"}]}]}]}"#,
        r#"{"id": "UBUNTU-pro-test", "affected": [{
            "package": {"ecosystem": "Ubuntu:Pro:22.04:LTS", "name": "openssl"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.99+esm1"}]}]}]}"#,
    ]);
    let jammy = "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\n";
    check(
        &dpkg_inventory(jammy, &[("libssl3", "openssl", "3.0.2-0ubuntu1.10")]),
        &vulns,
        &[("libssl3", "3.0.2-0ubuntu1.10", "UBUNTU-test", Some("3.0.2-0ubuntu1.12"))],
    );
    check(&dpkg_inventory(jammy, &[("libssl3", "openssl", "3.0.2-0ubuntu1.12")]), &vulns, &[]);
}

#[test]
fn the_next_fixed_version_is_the_lowest_above_the_installed_one() {
    let vuln = &records(&[r#"{"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5"}, {"introduced": "2.0"}, {"fixed": "2.3"}]},
                   {"type": "ECOSYSTEM", "events": [{"introduced": "2.1"}, {"fixed": "2.2.1"}]}]}]}"#])[0];
    let affected = &vuln.affected[0];
    assert_eq!(next_fixed(affected, "1.0", VersionScheme::Pep440), Some("1.5"));
    assert_eq!(next_fixed(affected, "2.1.5", VersionScheme::Pep440), Some("2.2.1"));
    assert_eq!(next_fixed(affected, "2.2.5", VersionScheme::Pep440), Some("2.3"));
    assert_eq!(next_fixed(affected, "2.3", VersionScheme::Pep440), None);
}
