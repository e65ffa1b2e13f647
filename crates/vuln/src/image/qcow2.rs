//! qcow2 images (versions 2 and 3), read through their two-level cluster map: the L1 table points
//! at L2 tables, whose entries point at data clusters in the file. Unallocated clusters and
//! version 3 zero clusters read as zeros. Compressed clusters, encryption, backing files,
//! external data files and extended L2 entries are reported as unsupported.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use super::raw::RawDisk;
use super::{read_vec, u32_be, u64_be, Disk, ImageError};

pub const MAGIC: [u8; 4] = *b"QFI\xfb";

/// Bits 9..=55 of an L1 or L2 entry: the host offset of the table or cluster.
const OFFSET_MASK: u64 = 0x00ff_ffff_ffff_fe00;
const L2_COMPRESSED: u64 = 1 << 62;
/// Version 3: the cluster reads as zeros whatever its offset says.
const L2_ZERO: u64 = 1;

/// Incompatible feature bits this reader understands: dirty (refcounts may be stale, which a
/// reader does not use), corrupt (the header says so; reads are still attempted) and compression
/// type (only matters for compressed clusters, which are refused anyway).
const KNOWN_INCOMPATIBLE: u64 = 0b1011;
const EXTERNAL_DATA_FILE: u64 = 1 << 2;
const EXTENDED_L2: u64 = 1 << 4;

/// L2 tables kept in memory; a scan reads a few files, so a small cache holds their metadata.
const L2_CACHE_TABLES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    pub cluster_bits: u32,
    /// The guest disk's size.
    pub size: u64,
    pub l1_size: u32,
    pub l1_table_offset: u64,
    pub incompatible_features: u64,
}

impl Header {
    /// Parses and validates the header at the start of `bytes` (at least 104 bytes for version 3,
    /// 72 for version 2).
    pub fn parse(bytes: &[u8]) -> Result<Self, ImageError> {
        let malformed = |m: String| ImageError::malformed("qcow2 header", m);
        if bytes.len() < 72 || bytes[..4] != MAGIC {
            return Err(malformed("no qcow2 magic".into()));
        }
        let version = u32_be(bytes, 4);
        if version != 2 && version != 3 {
            return Err(ImageError::unsupported("qcow2 version", version.to_string()));
        }
        let backing_file_offset = u64_be(bytes, 8);
        if backing_file_offset != 0 {
            let len = u32_be(bytes, 16) as usize;
            let start = backing_file_offset as usize;
            let name = bytes.get(start..start + len).map(String::from_utf8_lossy).unwrap_or_default();
            return Err(ImageError::unsupported("qcow2 image", format!("it has a backing file ({name:?})")));
        }
        let cluster_bits = u32_be(bytes, 20);
        if !(9..=21).contains(&cluster_bits) {
            return Err(malformed(format!("cluster_bits {cluster_bits} outside 9..=21")));
        }
        let crypt_method = u32_be(bytes, 32);
        if crypt_method != 0 {
            return Err(ImageError::unsupported("qcow2 image", format!("it is encrypted (method {crypt_method})")));
        }
        let incompatible_features = if version == 3 {
            if bytes.len() < 104 {
                return Err(malformed("version 3 header shorter than 104 bytes".into()));
            }
            u64_be(bytes, 72)
        } else {
            0
        };
        if incompatible_features & EXTERNAL_DATA_FILE != 0 {
            return Err(ImageError::unsupported("qcow2 image", "its data is in an external data file"));
        }
        if incompatible_features & EXTENDED_L2 != 0 {
            return Err(ImageError::unsupported("qcow2 image", "it uses extended L2 entries (subclusters)"));
        }
        if incompatible_features & !KNOWN_INCOMPATIBLE != 0 {
            return Err(ImageError::unsupported(
                "qcow2 image",
                format!("unknown incompatible features {incompatible_features:#x}"),
            ));
        }
        Ok(Self {
            version,
            cluster_bits,
            size: u64_be(bytes, 24),
            l1_size: u32_be(bytes, 36),
            l1_table_offset: u64_be(bytes, 40),
            incompatible_features,
        })
    }

    fn cluster_size(&self) -> u64 {
        1 << self.cluster_bits
    }

    fn l2_entries(&self) -> u64 {
        self.cluster_size() / 8
    }
}

pub struct Qcow2Disk {
    host: Box<dyn Disk>,
    header: Header,
    l1: Vec<u64>,
    l2_cache: HashMap<u64, Vec<u64>>,
}

impl Qcow2Disk {
    pub fn open(file: File, path: &Path) -> Result<Self, ImageError> {
        let size = file.metadata().map_err(|source| ImageError::Io { path: path.to_path_buf(), source })?.len();
        Self::new(Box::new(RawDisk::new(file, path.to_path_buf(), size)))
    }

    /// Reads the header and the L1 table from `host`, the qcow2 file's own bytes.
    pub fn new(mut host: Box<dyn Disk>) -> Result<Self, ImageError> {
        let header_len = host.size().min(512) as usize;
        let header = Header::parse(&read_vec(host.as_mut(), 0, header_len)?)?;
        // Enough L1 entries to map the whole disk; a smaller table would leave part unreadable.
        let needed = header.size.div_ceil(header.cluster_size() * header.l2_entries());
        if u64::from(header.l1_size) < needed {
            return Err(ImageError::malformed(
                "qcow2 header",
                format!("L1 table of {} entries cannot map {} bytes", header.l1_size, header.size),
            ));
        }
        let l1_bytes = read_vec(host.as_mut(), header.l1_table_offset, header.l1_size as usize * 8)?;
        let l1 = l1_bytes.chunks_exact(8).map(|c| u64_be(c, 0)).collect();
        Ok(Self { host, header, l1, l2_cache: HashMap::new() })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The host offset of the guest cluster holding `guest_offset`, or `None` when it reads as
    /// zeros.
    fn host_cluster(&mut self, guest_offset: u64) -> Result<Option<u64>, ImageError> {
        let cluster = guest_offset >> self.header.cluster_bits;
        let l2_entries = self.header.l2_entries();
        let l1_index = (cluster / l2_entries) as usize;
        let l2_table = self.l1.get(l1_index).copied().unwrap_or(0) & OFFSET_MASK;
        if l2_table == 0 {
            return Ok(None);
        }
        if !self.l2_cache.contains_key(&l2_table) {
            if self.l2_cache.len() >= L2_CACHE_TABLES {
                self.l2_cache.clear();
            }
            let bytes = read_vec(self.host.as_mut(), l2_table, self.header.cluster_size() as usize)?;
            self.l2_cache.insert(l2_table, bytes.chunks_exact(8).map(|c| u64_be(c, 0)).collect());
        }
        let entry = self.l2_cache[&l2_table][(cluster % l2_entries) as usize];
        if entry & L2_COMPRESSED != 0 {
            return Err(ImageError::unsupported(
                "qcow2 cluster",
                format!("guest offset {guest_offset:#x} is in a compressed cluster"),
            ));
        }
        if self.header.version >= 3 && entry & L2_ZERO != 0 {
            return Ok(None);
        }
        let host = entry & OFFSET_MASK;
        Ok((host != 0).then_some(host))
    }
}

impl Disk for Qcow2Disk {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ImageError> {
        if offset.checked_add(buf.len() as u64).is_none_or(|end| end > self.header.size) {
            return Err(ImageError::OutOfBounds { offset, len: buf.len(), size: self.header.size });
        }
        let cluster_size = self.header.cluster_size();
        let mut done = 0usize;
        while done < buf.len() {
            let guest = offset + done as u64;
            let in_cluster = guest % cluster_size;
            let chunk = ((cluster_size - in_cluster) as usize).min(buf.len() - done);
            let dst = &mut buf[done..done + chunk];
            match self.host_cluster(guest)? {
                Some(host) => self.host.read_at(host + in_cluster, dst)?,
                None => dst.fill(0),
            }
            done += chunk;
        }
        Ok(())
    }

    fn size(&self) -> u64 {
        self.header.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 3 image of `clusters` guest clusters of 512 bytes (cluster_bits 9), laid out as
    /// header | L1 | L2 | data clusters; `l2` gives each guest cluster's L2 entry.
    fn image(version: u32, guest_size: u64, l2: &[u64], data: &[(u64, [u8; 512])]) -> Vec<u8> {
        let cluster = 512u64;
        let mut file = vec![0u8; 3 * cluster as usize];
        file[..4].copy_from_slice(&MAGIC);
        file[4..8].copy_from_slice(&version.to_be_bytes());
        file[20..24].copy_from_slice(&9u32.to_be_bytes());
        file[24..32].copy_from_slice(&guest_size.to_be_bytes());
        file[36..40].copy_from_slice(&1u32.to_be_bytes());
        file[40..48].copy_from_slice(&cluster.to_be_bytes());
        if version == 3 {
            file[100..104].copy_from_slice(&104u32.to_be_bytes());
        }
        // L1 entry 0 -> L2 table at cluster 2, with the "copied" bit set as qemu writes it.
        file[512..520].copy_from_slice(&((2 * cluster) | 1 << 63).to_be_bytes());
        for (i, entry) in l2.iter().enumerate() {
            file[1024 + i * 8..1024 + i * 8 + 8].copy_from_slice(&entry.to_be_bytes());
        }
        for (host, bytes) in data {
            let host = *host as usize;
            if file.len() < host + 512 {
                file.resize(host + 512, 0);
            }
            file[host..host + 512].copy_from_slice(bytes);
        }
        file
    }

    #[test]
    fn reads_allocated_unallocated_and_zero_clusters() {
        let copied = 1u64 << 63;
        // Guest cluster 0 -> host 1536, cluster 1 unallocated, cluster 2 a zero cluster whose stale
        // offset points at data that must not be returned, cluster 3 -> host 2048.
        let l2 = [1536 | copied, 0, 2048 | L2_ZERO, 2560 | copied];
        let data = [(1536, [0xaa; 512]), (2048, [0xbb; 512]), (2560, [0xcc; 512])];
        let mut disk = Qcow2Disk::new(Box::new(image(3, 4 * 512, &l2, &data))).unwrap();
        assert_eq!(disk.size(), 2048);
        let mut buf = vec![0u8; 2048];
        disk.read_at(0, &mut buf).unwrap();
        assert!(buf[..512].iter().all(|&b| b == 0xaa));
        assert!(buf[512..1536].iter().all(|&b| b == 0), "unallocated and zero clusters read as zeros");
        assert!(buf[1536..].iter().all(|&b| b == 0xcc));
        // A read across a cluster boundary.
        let mut across = [0u8; 4];
        disk.read_at(510, &mut across).unwrap();
        assert_eq!(across, [0xaa, 0xaa, 0, 0]);
        assert!(matches!(disk.read_at(2047, &mut [0u8; 2]), Err(ImageError::OutOfBounds { .. })));
    }

    #[test]
    fn version_2_has_no_zero_flag_and_compressed_clusters_are_refused() {
        let l2 = [1536, 1 << 62 | 2048];
        let data = [(1536, [0x11; 512])];
        let mut disk = Qcow2Disk::new(Box::new(image(2, 2 * 512, &l2, &data))).unwrap();
        let mut buf = [0u8; 512];
        disk.read_at(0, &mut buf).unwrap();
        assert_eq!(buf, [0x11; 512]);
        let err = disk.read_at(512, &mut buf).unwrap_err();
        assert!(err.to_string().contains("compressed"), "{err}");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let mut backing = image(3, 512, &[], &[]);
        backing[8..16].copy_from_slice(&200u64.to_be_bytes());
        backing[16..20].copy_from_slice(&4u32.to_be_bytes());
        backing[200..204].copy_from_slice(b"base");
        let err = Qcow2Disk::new(Box::new(backing)).err().unwrap();
        assert!(err.to_string().contains("backing file (\"base\")"), "{err}");

        let mut encrypted = image(3, 512, &[], &[]);
        encrypted[32..36].copy_from_slice(&2u32.to_be_bytes());
        assert!(Qcow2Disk::new(Box::new(encrypted)).err().unwrap().to_string().contains("encrypted"));

        let mut extended = image(3, 512, &[], &[]);
        extended[72..80].copy_from_slice(&EXTENDED_L2.to_be_bytes());
        assert!(Qcow2Disk::new(Box::new(extended)).err().unwrap().to_string().contains("extended L2"));

        let mut v4 = image(3, 512, &[], &[]);
        v4[4..8].copy_from_slice(&4u32.to_be_bytes());
        assert!(matches!(Qcow2Disk::new(Box::new(v4)), Err(ImageError::Unsupported { .. })));

        // One L1 entry maps 64 clusters of 512 bytes; a bigger disk needs more.
        let too_big = image(3, 65 * 512, &[], &[]);
        assert!(matches!(Qcow2Disk::new(Box::new(too_big)), Err(ImageError::Malformed { .. })));
    }
}
