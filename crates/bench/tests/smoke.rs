//! A tiny run of each benchmark part against the test emulator: the code builds, runs, and
//! records into a copy of docs/benchmarks.md. No timing is asserted here; the figures are the
//! benchmark's own output.

use std::process::Command;

fn bench() -> Command {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_palisade-bench"));
    let palisade = exe.with_file_name("palisade");
    assert!(palisade.exists(), "{} is built by `cargo test --workspace` (scripts/test.sh)", palisade.display());
    let mut cmd = Command::new(exe);
    cmd.arg("--palisade").arg(palisade);
    cmd
}

fn docs() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/benchmarks.md")
}

#[test]
fn accounts_part_scans_seeded_accounts_and_records_them() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("benchmarks.md");
    std::fs::copy(docs(), &doc).unwrap();
    let out =
        bench().args(["accounts", "--counts", "2", "--max-accounts", "2", "--record"]).arg(&doc).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    // The row for 2 accounts: every seeded account yields resources and failing findings.
    let row =
        stdout.lines().find(|l| l.starts_with("| 2 |")).unwrap_or_else(|| panic!("no row for 2 accounts: {stdout}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    let resources: u64 = cells[2].parse().unwrap();
    let failing: u64 = cells[3].parse().unwrap();
    assert!(resources >= 2 * 5 && failing >= 2 * 3, "{row}");
    let recorded = std::fs::read_to_string(&doc).unwrap();
    assert!(recorded.contains(row), "the row is recorded between the markers: {recorded}");
    assert_eq!(recorded.matches("<!-- bench:accounts:begin -->").count(), 1);
}

#[test]
fn realtime_part_measures_event_latency_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("benchmarks.md");
    std::fs::copy(docs(), &doc).unwrap();
    let out = bench()
        .args(["realtime", "--events", "20", "--groups", "4", "--rate", "20", "--record"])
        .arg(&doc)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let row = stdout.lines().find(|l| l.starts_with("| 20 |")).unwrap_or_else(|| panic!("no row: {stdout}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    assert_eq!(cells[2], "20", "every event applied: {row}");
    let (p50, p99): (f64, f64) = (cells[3].parse().unwrap(), cells[4].parse().unwrap());
    assert!(p50 > 0.0 && p99 >= p50, "{row}");
    assert!(std::fs::read_to_string(&doc).unwrap().contains(row));
}
