//! Scanning a disk image: open it (raw or qcow2, by magic), walk its partitions (or take the whole
//! disk as one file system), read every ext2/3/4 file system, take the one with an os-release as
//! the root, and build the [`Inventory`] from its package databases and lockfiles. File systems
//! that cannot be read are listed with the reason, never dropped.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use serde::Serialize;

use crate::image::fs::{self, Ext4Volume, FsKind};
use crate::image::partitions::{self, Partition, TableKind};
use crate::image::{self, Disk, ImageError, ImageFormat, SharedDisk};
use crate::inventory::lockfiles::Lockfile;
use crate::inventory::{apk, dpkg, os_release, Inventory, Package};

/// What a scan of one image found.
#[derive(Debug, Clone, Serialize)]
pub struct ImageScan {
    pub format: ImageFormat,
    /// The guest disk's size in bytes.
    pub disk_size: u64,
    /// `None` when the whole disk is one file system (or nothing known).
    pub partition_table: Option<TableKind>,
    pub volumes: Vec<VolumeReport>,
    /// The volume the inventory was read from: the first with an os-release.
    pub root: Option<String>,
    pub inventory: Inventory,
    /// Files found but not read into the inventory (an rpm database, a lockfile that does not
    /// parse), each with the reason.
    pub warnings: Vec<String>,
}

/// One volume of the image: a partition or the whole disk.
#[derive(Debug, Clone, Serialize)]
pub struct VolumeReport {
    /// `whole disk` or `partition N`.
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
    pub file_system: Option<FsKind>,
    #[serde(flatten)]
    pub status: VolumeStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VolumeStatus {
    /// Its files were read.
    Read,
    /// A file system (or container) this crate does not read.
    Unsupported { reason: String },
    /// No known file system magic: empty, or something else.
    Unrecognised,
    /// A supported file system that could not be opened.
    Failed { error: String },
}

/// Where lockfiles are looked for, besides the direct subdirectories of [`PROJECT_PARENTS`].
const LOCKFILE_DIRS: &[&str] = &["/", "/app", "/srv", "/opt", "/usr/src/app", "/var/www", "/root"];
/// Directories whose children are commonly one project each (`/opt/<service>`, `/home/<user>`).
const PROJECT_PARENTS: &[&str] = &["/opt", "/srv", "/home"];
const RPM_DATABASES: &[&str] =
    &["/var/lib/rpm/rpmdb.sqlite", "/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages"];

/// Scans the image at `path`.
pub fn scan_image(path: &Path) -> Result<ImageScan, ImageError> {
    let (format, disk) = image::open(path)?;
    scan_disk(format, disk)
}

/// Scans an opened disk (`format` is only reported).
pub fn scan_disk(format: ImageFormat, disk: Box<dyn Disk>) -> Result<ImageScan, ImageError> {
    let disk: SharedDisk = Rc::new(RefCell::new(disk));
    let disk_size = disk.borrow().size();
    // A file system on the whole disk first: a FAT boot sector carries the MBR signature too.
    let whole = fs::detect(disk.borrow_mut().as_mut(), 0, disk_size)?;
    let (partition_table, candidates) = match whole {
        Some(kind) => (None, vec![("whole disk".to_string(), None, Some(kind))]),
        None => match read_table(&disk)? {
            Some((table, parts)) => {
                let mut candidates = Vec::new();
                for part in parts {
                    let kind = fs::detect(disk.borrow_mut().as_mut(), part.offset, part.size)?;
                    candidates.push((format!("partition {}", part.number), Some(part), kind));
                }
                (Some(table), candidates)
            }
            None => (None, vec![("whole disk".to_string(), None, None)]),
        },
    };

    let mut scan = ImageScan {
        format,
        disk_size,
        partition_table,
        volumes: Vec::new(),
        root: None,
        inventory: Inventory::default(),
        warnings: Vec::new(),
    };
    for (location, partition, kind) in candidates {
        let status = match kind {
            None => VolumeStatus::Unrecognised,
            Some(kind) if !kind.is_supported() => {
                VolumeStatus::Unsupported { reason: format!("{} is not read by this scanner", kind.as_str()) }
            }
            Some(_) => {
                let (offset, size) = partition.as_ref().map_or((0, disk_size), |p| (p.offset, p.size));
                match Ext4Volume::open(disk.clone(), offset, size, &location) {
                    Err(e) => VolumeStatus::Failed { error: e.to_string() },
                    Ok(volume) => {
                        if scan.root.is_none() {
                            if let Some(os) = read_os_release(&volume)? {
                                scan.root = Some(location.clone());
                                scan.inventory = read_inventory(&volume, os, &mut scan.warnings)?;
                            }
                        }
                        VolumeStatus::Read
                    }
                }
            }
        };
        scan.volumes.push(VolumeReport { location, partition, file_system: kind, status });
    }
    Ok(scan)
}

/// Reads the partition table, releasing the disk before its partitions are probed.
fn read_table(disk: &SharedDisk) -> Result<Option<(TableKind, Vec<Partition>)>, ImageError> {
    partitions::read_table(disk.borrow_mut().as_mut())
}

fn read_os_release(volume: &Ext4Volume) -> Result<Option<os_release::OsRelease>, ImageError> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Some(bytes) = volume.read_file(path)? {
            let text = String::from_utf8_lossy(&bytes);
            let os = os_release::parse(&text).map_err(|source| ImageError::Inventory { path: path.into(), source })?;
            return Ok(Some(os));
        }
    }
    Ok(None)
}

fn read_inventory(
    volume: &Ext4Volume,
    os: os_release::OsRelease,
    warnings: &mut Vec<String>,
) -> Result<Inventory, ImageError> {
    let mut packages = Vec::new();
    let databases: [(&str, ParseDatabase); 3] = [
        ("/var/lib/dpkg/status", dpkg::parse_status),
        ("/lib/apk/db/installed", apk::parse_installed),
        ("/usr/lib/apk/db/installed", apk::parse_installed),
    ];
    let mut apk_read = false;
    for (path, parse) in databases {
        let is_apk = path.contains("/apk/");
        if is_apk && apk_read {
            continue; // /lib is /usr/lib on a merged-/usr system: one database, read once.
        }
        if let Some(bytes) = volume.read_file(path)? {
            packages.extend(parse(&bytes).map_err(|source| ImageError::Inventory { path: path.into(), source })?);
            apk_read |= is_apk;
        }
    }
    for path in RPM_DATABASES {
        if volume.read_file(path)?.is_some() {
            warnings.push(format!("{path}: rpm database found but not read (rpm inventories are not implemented)"));
        }
    }
    for dir in lockfile_dirs(volume)? {
        for name in volume.list_dir(&dir)? {
            let Some(kind) = Lockfile::from_file_name(&name) else { continue };
            let path = if dir == "/" { format!("/{name}") } else { format!("{dir}/{name}") };
            let Some(bytes) = volume.read_file(&path)? else { continue };
            match kind.parse(&bytes) {
                Ok(found) => packages.extend(found.into_iter().map(|p| p.with_location(path.clone()))),
                Err(e) => warnings.push(format!("{path}: not read: {e}")),
            }
        }
    }
    Ok(Inventory { os: Some(os), packages })
}

/// A package database parser over the file's bytes.
type ParseDatabase = fn(&[u8]) -> Result<Vec<Package>, crate::VulnError>;

fn lockfile_dirs(volume: &Ext4Volume) -> Result<Vec<String>, ImageError> {
    let mut dirs: Vec<String> = LOCKFILE_DIRS.iter().map(|d| d.to_string()).collect();
    for parent in PROJECT_PARENTS {
        for child in volume.list_dir(parent)? {
            let dir = format!("{parent}/{child}");
            if volume.is_dir(&dir) && !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
    }
    Ok(dirs)
}
