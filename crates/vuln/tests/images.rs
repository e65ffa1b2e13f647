//! Disk images made by `scripts/testdata/make-images.sh` (a debootstrap'd Debian 12 as raw, qcow2
//! and GPT images, and a FAT image), checked against dpkg-query's view of the same tree.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use palisade_vuln::image::fs::FsKind;
use palisade_vuln::image::partitions::TableKind;
use palisade_vuln::image::ImageFormat;
use palisade_vuln::scan::VolumeStatus;
use palisade_vuln::{matches, osv, scan_image, PackageManager};

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

/// `name version` of every package dpkg-query lists in the debootstrap'd tree.
fn dpkg_ground_truth() -> BTreeSet<String> {
    let admindir = testdata().join("debian-rootfs/var/lib/dpkg");
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}", admindir.display()))
        .args(["-W", "-f", "${Package} ${Version}\n"])
        .output()
        .expect("running dpkg-query");
    assert!(out.status.success(), "dpkg-query: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_string).collect()
}

fn dpkg_set(scan: &palisade_vuln::ImageScan) -> BTreeSet<String> {
    scan.inventory
        .packages
        .iter()
        .filter(|p| p.manager == PackageManager::Dpkg)
        .map(|p| format!("{} {}", p.name, p.version))
        .collect()
}

#[test]
fn raw_qcow2_and_gpt_images_give_the_dpkg_ground_truth() {
    let dir = testdata();
    let truth = dpkg_ground_truth();
    assert!(truth.len() > 50 && truth.iter().any(|p| p.starts_with("openssl ")), "{truth:?}");

    let raw = scan_image(&dir.join("debian.raw")).unwrap();
    assert_eq!(raw.format, ImageFormat::Raw);
    assert_eq!(raw.partition_table, None);
    assert_eq!(raw.root.as_deref(), Some("whole disk"));
    assert_eq!(raw.volumes.len(), 1);
    assert_eq!((raw.volumes[0].file_system, &raw.volumes[0].status), (Some(FsKind::Ext4), &VolumeStatus::Read));
    let os = raw.inventory.os.as_ref().expect("os-release read");
    assert_eq!((os.id.as_str(), os.version_id.as_deref()), ("debian", Some("12")));
    assert_eq!(dpkg_set(&raw), truth);
    assert!(raw.warnings.is_empty(), "{:?}", raw.warnings);

    let qcow2 = scan_image(&dir.join("debian.qcow2")).unwrap();
    assert_eq!(qcow2.format, ImageFormat::Qcow2);
    assert_eq!(qcow2.disk_size, raw.disk_size);
    assert_eq!(qcow2.inventory, raw.inventory);

    let gpt = scan_image(&dir.join("debian-gpt.raw")).unwrap();
    assert_eq!(gpt.partition_table, Some(TableKind::Gpt));
    assert_eq!(gpt.root.as_deref(), Some("partition 1"));
    let partition = gpt.volumes[0].partition.as_ref().expect("a partition");
    assert_eq!((partition.offset, partition.size), (1024 * 1024, raw.disk_size));
    assert_eq!(partition.type_name, Some("Linux filesystem"));
    assert_eq!(gpt.inventory, raw.inventory);
}

#[test]
fn an_openssl_record_fixed_above_the_installed_version_matches_and_one_below_does_not() {
    let installed = dpkg_ground_truth()
        .into_iter()
        .find_map(|p| p.strip_prefix("openssl ").map(str::to_string))
        .expect("openssl installed");
    let records = tempfile::tempdir().unwrap();
    let record = |id: &str, cve: &str, fixed: &str| {
        serde_json::json!({
            "id": id,
            "upstream": [cve],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected": [{
                "package": {"ecosystem": "Debian:12", "name": "openssl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
            }]
        })
    };
    // A later Debian revision of the same upstream version fixes it; an ancient one predates it.
    let above = format!("{installed}+deb12u99");
    std::fs::write(records.path().join("A.json"), record("TEST-ABOVE", "CVE-2099-0001", &above).to_string()).unwrap();
    std::fs::write(records.path().join("B.json"), record("TEST-BELOW", "CVE-2099-0002", "1.1.0-1").to_string())
        .unwrap();
    let vulns = osv::load_dir(records.path()).unwrap();
    let scan = scan_image(&testdata().join("debian.qcow2")).unwrap();
    let found = matches(&scan.inventory, &vulns);
    assert!(!found.is_empty());
    assert!(found.iter().all(|m| m.vulnerability_id == "TEST-ABOVE"), "{found:#?}");
    let openssl = found.iter().find(|m| m.package == "openssl").expect("the openssl binary package matches");
    assert_eq!(openssl.installed_version, installed);
    assert_eq!(openssl.fixed_version.as_deref(), Some(above.as_str()));
    assert!(openssl.aliases.iter().any(|a| a == "CVE-2099-0001"));
    // libssl3 is built from the same source package, so it carries the same record.
    assert!(found.iter().any(|m| m.package == "libssl3"), "{found:#?}");
}

#[test]
fn a_fat_image_is_reported_as_unsupported() {
    let dir = testdata();
    let vfat = dir.join("vfat.raw");
    assert!(vfat.exists(), "{} missing: make-images.sh makes it when mkfs.vfat is installed", vfat.display());
    let scan = scan_image(&vfat).unwrap();
    assert_eq!(scan.partition_table, None, "a FAT boot sector is not an MBR");
    assert_eq!(scan.volumes.len(), 1);
    assert_eq!(scan.volumes[0].file_system, Some(FsKind::Vfat));
    assert!(matches!(scan.volumes[0].status, VolumeStatus::Unsupported { .. }), "{:?}", scan.volumes[0]);
    assert_eq!(scan.root, None);
    assert!(scan.inventory.packages.is_empty() && scan.inventory.os.is_none());
}

#[test]
fn a_file_that_is_no_disk_image_has_nothing_recognised() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), vec![0u8; 8192]).unwrap();
    let scan = scan_image(file.path()).unwrap();
    assert_eq!(scan.volumes.len(), 1);
    assert_eq!(scan.volumes[0].status, VolumeStatus::Unrecognised);
    assert_eq!(scan.root, None);
}
