//! Raw images: the file's bytes are the guest disk's bytes.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

use super::{Disk, ImageError};

pub struct RawDisk {
    file: File,
    path: PathBuf,
    size: u64,
}

impl RawDisk {
    pub fn new(file: File, path: PathBuf, size: u64) -> Self {
        Self { file, path, size }
    }
}

impl Disk for RawDisk {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ImageError> {
        if offset.checked_add(buf.len() as u64).is_none_or(|end| end > self.size) {
            return Err(ImageError::OutOfBounds { offset, len: buf.len(), size: self.size });
        }
        self.file.read_exact_at(buf, offset).map_err(|source| ImageError::Io { path: self.path.clone(), source })
    }

    fn size(&self) -> u64 {
        self.size
    }
}
