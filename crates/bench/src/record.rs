//! Writes a benchmark's figures into `docs/benchmarks.md`, between the markers of its part, with
//! the machine and the date, so the document always shows the latest measured run.

use anyhow::{bail, Context};
use std::path::Path;

/// The machine the figures were measured on: CPU model, cores, memory, OS.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|r| r.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!("{model}, {cores} cores, {mem_gib:.0} GiB, {}", std::env::consts::OS)
}

/// Replaces the text between `<!-- bench:{part}:begin -->` and `<!-- bench:{part}:end -->` in
/// `doc` with `body`, headed by the machine, the date and the commit.
pub fn write(doc: &Path, part: &str, body: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(doc).with_context(|| format!("reading {}", doc.display()))?;
    let (begin, end) = (format!("<!-- bench:{part}:begin -->"), format!("<!-- bench:{part}:end -->"));
    let (Some(b), Some(e)) = (text.find(&begin), text.find(&end)) else {
        bail!("{} has no {begin} ... {end} markers", doc.display());
    };
    if e < b {
        bail!("{}: {end} comes before {begin}", doc.display());
    }
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let section = format!(
        "{begin}\nMeasured {} on {} (commit {commit}).\n\n{}\n{end}",
        chrono::Utc::now().format("%Y-%m-%d"),
        machine(),
        body.trim_end()
    );
    let updated = format!("{}{section}{}", &text[..b], &text[e + end.len()..]);
    std::fs::write(doc, updated).with_context(|| format!("writing {}", doc.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_its_own_part() {
        let dir = tempfile_dir();
        let doc = dir.join("b.md");
        std::fs::write(&doc, "# B\n<!-- bench:a:begin -->\nold a\n<!-- bench:a:end -->\nkeep\n<!-- bench:b:begin -->\nold b\n<!-- bench:b:end -->\n").unwrap();
        write(&doc, "a", "new a\n").unwrap();
        let text = std::fs::read_to_string(&doc).unwrap();
        assert!(text.contains("new a") && !text.contains("old a"), "{text}");
        assert!(text.contains("old b") && text.contains("keep"), "{text}");
        assert!(write(&doc, "missing", "x").is_err());
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("palisade-record-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
