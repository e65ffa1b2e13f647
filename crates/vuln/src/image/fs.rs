//! File systems: recognised by their magic numbers; ext2/3/4 read through `ext4-view`, the others
//! (XFS, Btrfs, FAT, NTFS, and containers such as LVM and LUKS) named as unsupported so a scan
//! reports them instead of skipping them.

use serde::Serialize;

use super::{read_vec, u16_le, Disk, ImageError, SharedDisk};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FsKind {
    /// ext2, ext3 or ext4 (one superblock magic).
    Ext4,
    Xfs,
    Btrfs,
    Vfat,
    Ntfs,
    Swap,
    /// An LVM physical volume.
    Lvm,
    /// A LUKS encrypted volume.
    Luks,
}

impl FsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ext4 => "ext4",
            Self::Xfs => "xfs",
            Self::Btrfs => "btrfs",
            Self::Vfat => "vfat",
            Self::Ntfs => "ntfs",
            Self::Swap => "swap",
            Self::Lvm => "lvm",
            Self::Luks => "luks",
        }
    }

    /// Whether this crate reads files from it.
    pub fn is_supported(self) -> bool {
        self == Self::Ext4
    }
}

/// Bytes read from the start of a volume to recognise it (the Btrfs superblock is at 64 KiB).
const PROBE_LEN: u64 = 0x10000 + 0x1000;

/// Recognises the file system (or volume container) at `offset`, `None` when nothing known is
/// there.
pub fn detect(disk: &mut dyn Disk, offset: u64, size: u64) -> Result<Option<FsKind>, ImageError> {
    let len = PROBE_LEN.min(size).min(disk.size().saturating_sub(offset)) as usize;
    let b = read_vec(disk, offset, len)?;
    let at = |start: usize, magic: &[u8]| b.get(start..start + magic.len()) == Some(magic);
    let kind = if b.len() >= 1024 + 58 && u16_le(&b, 1024 + 56) == 0xef53 {
        FsKind::Ext4
    } else if at(0, b"XFSB") {
        FsKind::Xfs
    } else if at(0x10040, b"_BHRfS_M") {
        FsKind::Btrfs
    } else if at(3, b"NTFS    ") {
        FsKind::Ntfs
    } else if at(54, b"FAT12   ") || at(54, b"FAT16   ") || at(82, b"FAT32   ") {
        FsKind::Vfat
    } else if at(0, b"LUKS\xba\xbe") {
        FsKind::Luks
    } else if at(512 + 24, b"LVM2 001") {
        FsKind::Lvm
    } else if at(4096 - 10, b"SWAPSPACE2") || at(65536 - 10, b"SWAPSPACE2") {
        FsKind::Swap
    } else {
        return Ok(None);
    };
    Ok(Some(kind))
}

/// A window of a shared disk (a partition, or the whole disk) as `ext4-view` reads it.
struct Volume {
    disk: SharedDisk,
    offset: u64,
    size: u64,
}

impl ext4_view::Ext4Read for Volume {
    fn read(&mut self, start: u64, dst: &mut [u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        if start.checked_add(dst.len() as u64).is_none_or(|end| end > self.size) {
            return Err(format!("read of {} bytes at {start} is past the {}-byte volume", dst.len(), self.size).into());
        }
        self.disk.borrow_mut().read_at(self.offset + start, dst).map_err(|e| e.to_string().into())
    }
}

/// An ext2/3/4 file system opened for reading files.
pub struct Ext4Volume {
    fs: ext4_view::Ext4,
    location: String,
}

impl Ext4Volume {
    /// `location` names the volume in errors (`partition 1`, `whole disk`).
    pub fn open(disk: SharedDisk, offset: u64, size: u64, location: &str) -> Result<Self, ImageError> {
        let fs = ext4_view::Ext4::load(Box::new(Volume { disk, offset, size }))
            .map_err(|e| ImageError::Ext4 { location: location.to_string(), message: e.to_string() })?;
        Ok(Self { fs, location: location.to_string() })
    }

    /// The file's contents (symlinks followed), `None` when it does not exist.
    pub fn read_file(&self, path: &str) -> Result<Option<Vec<u8>>, ImageError> {
        match self.fs.read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(ext4_view::Ext4Error::NotFound | ext4_view::Ext4Error::NotADirectory) => Ok(None),
            Err(e) => Err(self.error(path, e)),
        }
    }

    /// The names of a directory's entries (without `.` and `..`), empty when it does not exist.
    pub fn list_dir(&self, path: &str) -> Result<Vec<String>, ImageError> {
        let entries = match self.fs.read_dir(path) {
            Ok(entries) => entries,
            Err(ext4_view::Ext4Error::NotFound | ext4_view::Ext4Error::NotADirectory) => return Ok(Vec::new()),
            Err(e) => return Err(self.error(path, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| self.error(path, e))?;
            let name = entry.file_name();
            match name.as_str() {
                Ok("." | "..") => {}
                Ok(name) => names.push(name.to_string()),
                // A name that is not UTF-8 cannot be a lockfile's or a project directory we look in.
                Err(_) => {}
            }
        }
        names.sort();
        Ok(names)
    }

    /// Whether `path` is a directory (symlinks followed).
    pub fn is_dir(&self, path: &str) -> bool {
        self.fs.metadata(path).is_ok_and(|m| m.is_dir())
    }

    fn error(&self, path: &str, e: ext4_view::Ext4Error) -> ImageError {
        ImageError::Ext4 { location: self.location.clone(), message: format!("{path}: {e}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_file_systems_by_magic() {
        let probe = |place: &dyn Fn(&mut Vec<u8>)| {
            let mut disk = vec![0u8; PROBE_LEN as usize];
            place(&mut disk);
            let size = disk.len() as u64;
            detect(&mut disk, 0, size).unwrap()
        };
        assert_eq!(probe(&|d| d[1024 + 56..1024 + 58].copy_from_slice(&0xef53u16.to_le_bytes())), Some(FsKind::Ext4));
        assert_eq!(probe(&|d| d[..4].copy_from_slice(b"XFSB")), Some(FsKind::Xfs));
        assert_eq!(probe(&|d| d[0x10040..0x10048].copy_from_slice(b"_BHRfS_M")), Some(FsKind::Btrfs));
        assert_eq!(probe(&|d| d[3..11].copy_from_slice(b"NTFS    ")), Some(FsKind::Ntfs));
        assert_eq!(probe(&|d| d[82..90].copy_from_slice(b"FAT32   ")), Some(FsKind::Vfat));
        assert_eq!(probe(&|d| d[536..544].copy_from_slice(b"LVM2 001")), Some(FsKind::Lvm));
        assert_eq!(probe(&|_| {}), None);
        // A volume smaller than the probe is read only up to its end.
        let mut tiny = vec![0u8; 600];
        assert_eq!(detect(&mut tiny, 0, 600).unwrap(), None);
    }
}
