//! `palisade image scan PATH`: the inventory of a local disk image (raw or qcow2; MBR, GPT or a
//! whole-disk file system; ext2/3/4 read without mounting), matched against OSV records when
//! `--osv DIR` is given. File systems it cannot read are listed, never skipped.

use crate::args::ListFormat;
use anyhow::Context;
use clap::{Args, Subcommand};
use palisade_vuln::scan::VolumeStatus;
use palisade_vuln::{ImageScan, Match, PackageManager};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Read a disk image's OS and packages, and match them against OSV records.
    Scan {
        /// The disk image (raw or qcow2).
        path: PathBuf,
        /// A directory of OSV JSON records (osv.dev's per-ecosystem export) to match against.
        #[arg(long)]
        osv: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
}

pub fn run(args: ImageArgs) -> anyhow::Result<u8> {
    match args.command {
        ImageCommand::Scan { path, osv, format } => scan(path, osv, format),
    }
}

fn scan(path: PathBuf, osv: Option<PathBuf>, format: ListFormat) -> anyhow::Result<u8> {
    let scan = palisade_vuln::scan_image(&path).with_context(|| format!("scanning image {}", path.display()))?;
    let matches = match &osv {
        Some(dir) => {
            let vulns =
                palisade_vuln::load_dir(dir).with_context(|| format!("loading OSV records from {}", dir.display()))?;
            Some(palisade_vuln::matches(&scan.inventory, &vulns))
        }
        None => None,
    };
    match format {
        ListFormat::Json => {
            let doc = serde_json::json!({
                "image": path,
                "format": scan.format,
                "disk_size": scan.disk_size,
                "partition_table": scan.partition_table,
                "volumes": scan.volumes,
                "root": scan.root,
                "os": scan.inventory.os,
                "package_counts": package_counts(&scan).into_iter().map(|(m, n)| (manager_name(m), n.into())).collect::<serde_json::Map<_, _>>(),
                "packages": scan.inventory.packages,
                "warnings": scan.warnings,
                "matches": matches,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        ListFormat::Table => print_table(&path, &scan, matches.as_deref()),
    }
    Ok(crate::exit::OK)
}

/// Packages per manager, in the order managers first appear.
fn package_counts(scan: &ImageScan) -> Vec<(PackageManager, usize)> {
    let mut counts: Vec<(PackageManager, usize)> = Vec::new();
    for package in &scan.inventory.packages {
        match counts.iter_mut().find(|(m, _)| *m == package.manager) {
            Some((_, n)) => *n += 1,
            None => counts.push((package.manager, 1)),
        }
    }
    counts
}

fn manager_name(manager: PackageManager) -> String {
    serde_json::to_value(manager).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn print_table(path: &std::path::Path, scan: &ImageScan, matches: Option<&[Match]>) {
    println!("Image: {} ({}, {} bytes)", path.display(), scan.format.as_str(), scan.disk_size);
    let os = scan.inventory.os.as_ref().map(|os| {
        os.pretty_name.clone().unwrap_or_else(|| format!("{} {}", os.id, os.version_id.as_deref().unwrap_or("")))
    });
    println!("OS: {}", os.as_deref().unwrap_or("unknown (no root file system with an os-release)"));
    let mut volumes = comfy_table::Table::new();
    volumes.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    volumes.set_header(["VOLUME", "OFFSET", "SIZE", "TYPE", "FILE SYSTEM", "STATUS"]);
    for v in &scan.volumes {
        let (offset, size, kind) = match &v.partition {
            Some(p) => (p.offset, p.size, p.type_name.map(str::to_string).unwrap_or_else(|| p.type_id.clone())),
            None => (0, scan.disk_size, String::new()),
        };
        let status = match &v.status {
            VolumeStatus::Read if scan.root.as_deref() == Some(v.location.as_str()) => "read (root)".to_string(),
            VolumeStatus::Read => "read".to_string(),
            VolumeStatus::Unsupported { reason } => format!("unsupported: {reason}"),
            VolumeStatus::Unrecognised => "unrecognised".to_string(),
            VolumeStatus::Failed { error } => format!("failed: {error}"),
        };
        let fs = v.file_system.map_or("-", |k| k.as_str());
        volumes.add_row([v.location.clone(), offset.to_string(), size.to_string(), kind, fs.to_string(), status]);
    }
    println!("{volumes}");
    let counts = package_counts(scan);
    if counts.is_empty() {
        println!("Packages: none found");
    } else {
        let text: Vec<String> = counts.iter().map(|(m, n)| format!("{} {n}", manager_name(*m))).collect();
        println!("Packages: {}", text.join(", "));
    }
    for warning in &scan.warnings {
        println!("warning: {warning}");
    }
    let Some(matches) = matches else { return };
    if matches.is_empty() {
        println!("No vulnerabilities matched.");
        return;
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["PACKAGE", "INSTALLED", "VULNERABILITY", "CVE", "FIXED", "SEVERITY"]);
    for m in matches {
        let cves: Vec<&str> = m.aliases.iter().map(String::as_str).filter(|a| a.starts_with("CVE-")).collect();
        table.add_row([
            m.package.clone(),
            m.installed_version.clone(),
            m.vulnerability_id.clone(),
            cves.join(", "),
            m.fixed_version.clone().unwrap_or_else(|| "(no fix)".into()),
            m.severity.map_or("-", |s| s.as_str()).to_string(),
        ]);
    }
    println!("{table}");
    println!("{} matches", matches.len());
}
