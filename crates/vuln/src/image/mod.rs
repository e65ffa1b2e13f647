//! Disk images read without mounting or root: the image container ([`raw`], [`qcow2`]), its
//! partition table ([`partitions`]: MBR and GPT) and the file systems in it ([`fs`]: ext2/3/4 read
//! through `ext4-view`, others recognised by their magic and reported as unsupported).
//!
//! Everything reads through [`Disk`], a byte-addressed view of the guest disk, so a partition or a
//! file system reader never knows which container it sits in.

pub mod fs;
pub mod partitions;
pub mod qcow2;
pub mod raw;

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A guest disk: reads bytes at guest offsets, whatever the container stores them as.
pub trait Disk {
    /// Fills `buf` from guest offset `offset`. Reading past the end of the disk is an error.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ImageError>;
    /// The guest disk's size in bytes.
    fn size(&self) -> u64;
}

/// One disk shared by the readers of its partitions (`ext4-view` owns its reader, and several
/// partitions read the same image).
pub type SharedDisk = Rc<RefCell<Box<dyn Disk>>>;

/// The image container, recognised by its magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Raw,
    Qcow2,
}

impl ImageFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Qcow2 => "qcow2",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A read beyond the guest disk's end (a partition table pointing past it, a truncated image).
    #[error("read of {len} bytes at offset {offset} is past the end of the {size}-byte disk")]
    OutOfBounds { offset: u64, len: usize, size: u64 },
    /// A container or partition table that breaks its own format.
    #[error("malformed {what}: {message}")]
    Malformed { what: &'static str, message: String },
    /// A valid image using a feature this reader does not implement; reported, never guessed at.
    #[error("unsupported {what}: {message}")]
    Unsupported { what: &'static str, message: String },
    /// A file system that `ext4-view` could not read.
    #[error("reading ext4 file system {location}: {message}")]
    Ext4 { location: String, message: String },
    /// A package database or lockfile in the image that does not parse.
    #[error("{path} in the image: {source}")]
    Inventory {
        path: String,
        #[source]
        source: crate::VulnError,
    },
}

impl ImageError {
    pub(crate) fn malformed(what: &'static str, message: impl Into<String>) -> Self {
        Self::Malformed { what, message: message.into() }
    }

    pub(crate) fn unsupported(what: &'static str, message: impl Into<String>) -> Self {
        Self::Unsupported { what, message: message.into() }
    }
}

/// Opens a disk image, recognising qcow2 by its magic and taking anything else as raw.
pub fn open(path: &Path) -> Result<(ImageFormat, Box<dyn Disk>), ImageError> {
    let io = |source| ImageError::Io { path: path.to_path_buf(), source };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 4];
    let len = file.metadata().map_err(io)?.len();
    if len >= 4 {
        file.read_exact(&mut magic).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
    }
    if magic == qcow2::MAGIC {
        Ok((ImageFormat::Qcow2, Box::new(qcow2::Qcow2Disk::open(file, path)?)))
    } else {
        Ok((ImageFormat::Raw, Box::new(raw::RawDisk::new(file, path.to_path_buf(), len))))
    }
}

/// A disk held in memory; for tests and small images.
impl Disk for Vec<u8> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ImageError> {
        let out_of_bounds = || ImageError::OutOfBounds { offset, len: buf.len(), size: self.len() as u64 };
        let start = usize::try_from(offset).map_err(|_| out_of_bounds())?;
        let end = start.checked_add(buf.len()).filter(|&end| end <= self.len()).ok_or_else(out_of_bounds)?;
        buf.copy_from_slice(&self[start..end]);
        Ok(())
    }

    fn size(&self) -> u64 {
        self.len() as u64
    }
}

/// Reads `len` bytes at `offset`.
pub(crate) fn read_vec(disk: &mut dyn Disk, offset: u64, len: usize) -> Result<Vec<u8>, ImageError> {
    let mut buf = vec![0u8; len];
    disk.read_at(offset, &mut buf)?;
    Ok(buf)
}

pub(crate) fn u16_le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn u32_le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn u64_le(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

pub(crate) fn u32_be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

pub(crate) fn u64_be(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}
