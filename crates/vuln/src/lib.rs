//! Agentless vulnerability scanning, the pure part: what is installed, what is known to be
//! vulnerable, and which installed packages are.
//!
//! - [`inventory`]: package inventories parsed from file contents (`/etc/os-release`, the dpkg
//!   status file, the apk installed database, Cargo.lock, package-lock.json, poetry.lock,
//!   requirements.txt), and the [`RpmPackage`] shape the rpm database's headers map onto.
//! - [`osv`]: OSV records and [`load_dir`] for a directory of them (osv.dev's per-ecosystem
//!   export); [`cvss`] scores their CVSS v3 vectors and [`severity`] rates them.
//! - [`version`]: each ecosystem's own version order (dpkg, apk, rpm, SemVer, PEP 440).
//! - [`matching`]: [`matches`] an inventory against records, per the OSV evaluation rules.
//!
//! - [`image`] and [`scan`]: disk images (raw, qcow2; MBR and GPT; ext2/3/4) read without mounting
//!   or root, and [`scan_image`], which builds an image's inventory from its root file system.
//!
//! The I/O is reading what it is pointed at (an OSV directory, a disk image): it does not read the
//! rpm database, talk to clouds, or store anything. Snapshots and the store import build on it.

pub mod cvss;
pub mod ecosystem;
mod error;
pub mod image;
pub mod inventory;
pub mod matching;
pub mod osv;
pub mod scan;
pub mod severity;
pub mod version;

pub use ecosystem::Ecosystem;
pub use error::{FileKind, VulnError};
pub use inventory::{Inventory, Package, PackageManager, RpmPackage, SourcePackage};
pub use matching::{matches, Match};
pub use osv::{load_dir, Vulnerability};
pub use scan::{scan_image, ImageScan};
pub use version::VersionScheme;
