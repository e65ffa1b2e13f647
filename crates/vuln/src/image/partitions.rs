//! Partition tables: MBR (primary partitions, logical ones in an extended partition's chain, and
//! the protective MBR in front of a GPT) and GPT (header and entries, checked by their CRC32s).

use serde::Serialize;

use super::{read_vec, u16_le, u32_le, u64_le, Disk, ImageError};

/// One partition: where it is on the disk and what the table says it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partition {
    /// 1-based, as Linux numbers them (MBR logical partitions start at 5).
    pub number: u32,
    /// Byte offset on the disk.
    pub offset: u64,
    /// Length in bytes.
    pub size: u64,
    /// The GPT type GUID (`0FC63DAF-8483-4772-8E79-3D69D8477DE4`) or the MBR type byte (`0x83`).
    pub type_id: String,
    /// What the type means, where known (`Linux filesystem`, `EFI System`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_name: Option<&'static str>,
    /// The GPT partition name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The partition table found on a disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    Mbr,
    Gpt,
}

const MBR_SIGNATURE: [u8; 2] = [0x55, 0xaa];
const GPT_SIGNATURE: &[u8; 8] = b"EFI PART";
const PROTECTIVE_MBR: u8 = 0xee;
const EXTENDED_TYPES: [u8; 3] = [0x05, 0x0f, 0x85];
/// Logical partitions followed in an extended partition's chain; a loop ends there.
const MAX_LOGICAL: u32 = 128;

/// Reads the partition table: `None` when sector 0 has no MBR signature. A protective MBR leads to
/// the GPT, which must then be valid.
pub fn read_table(disk: &mut dyn Disk) -> Result<Option<(TableKind, Vec<Partition>)>, ImageError> {
    if disk.size() < 512 {
        return Ok(None);
    }
    let mbr = read_vec(disk, 0, 512)?;
    if mbr[510..512] != MBR_SIGNATURE {
        return Ok(None);
    }
    let entries = mbr_entries(&mbr);
    if entries.iter().any(|e| e.kind == PROTECTIVE_MBR) {
        return read_gpt(disk).map(|parts| Some((TableKind::Gpt, parts)));
    }
    let mut partitions = Vec::new();
    let mut next_logical = 5;
    for (i, entry) in entries.iter().enumerate() {
        if entry.sectors == 0 || entry.kind == 0 {
            continue;
        }
        if EXTENDED_TYPES.contains(&entry.kind) {
            read_logical(disk, u64::from(entry.start_lba), &mut next_logical, &mut partitions)?;
            continue;
        }
        partitions.push(mbr_partition(i as u32 + 1, 0, entry));
    }
    Ok(Some((TableKind::Mbr, partitions)))
}

#[derive(Debug, Clone, Copy)]
struct MbrEntry {
    kind: u8,
    start_lba: u32,
    sectors: u32,
}

fn mbr_entries(sector: &[u8]) -> [MbrEntry; 4] {
    std::array::from_fn(|i| {
        let e = &sector[446 + i * 16..446 + (i + 1) * 16];
        MbrEntry { kind: e[4], start_lba: u32_le(e, 8), sectors: u32_le(e, 12) }
    })
}

fn mbr_partition(number: u32, base_lba: u64, entry: &MbrEntry) -> Partition {
    Partition {
        number,
        offset: (base_lba + u64::from(entry.start_lba)) * 512,
        size: u64::from(entry.sectors) * 512,
        type_id: format!("{:#04x}", entry.kind),
        type_name: mbr_type_name(entry.kind),
        name: None,
    }
}

/// Follows the chain of extended boot records: each holds one logical partition (relative to
/// itself) and a link to the next (relative to the extended partition's start).
fn read_logical(
    disk: &mut dyn Disk,
    extended_lba: u64,
    next_number: &mut u32,
    out: &mut Vec<Partition>,
) -> Result<(), ImageError> {
    let mut ebr_lba = extended_lba;
    for _ in 0..MAX_LOGICAL {
        let sector = read_vec(disk, ebr_lba * 512, 512)?;
        if sector[510..512] != MBR_SIGNATURE {
            return Err(ImageError::malformed("extended boot record", format!("no signature at sector {ebr_lba}")));
        }
        let [logical, link, ..] = mbr_entries(&sector);
        if logical.sectors != 0 && logical.kind != 0 {
            out.push(mbr_partition(*next_number, ebr_lba, &logical));
            *next_number += 1;
        }
        if link.sectors == 0 || link.start_lba == 0 {
            return Ok(());
        }
        ebr_lba = extended_lba + u64::from(link.start_lba);
    }
    Err(ImageError::malformed("extended boot record", format!("more than {MAX_LOGICAL} logical partitions")))
}

/// Reads the primary GPT at LBA 1, trying 512- and 4096-byte sectors.
fn read_gpt(disk: &mut dyn Disk) -> Result<Vec<Partition>, ImageError> {
    for sector_size in [512u64, 4096] {
        if disk.size() < sector_size * 2 {
            continue;
        }
        let header = read_vec(disk, sector_size, 92)?;
        if &header[..8] == GPT_SIGNATURE {
            return parse_gpt(disk, &header, sector_size);
        }
    }
    Err(ImageError::malformed("GPT", "protective MBR but no GPT header at LBA 1"))
}

fn parse_gpt(disk: &mut dyn Disk, header: &[u8], sector_size: u64) -> Result<Vec<Partition>, ImageError> {
    let malformed = |m: String| ImageError::malformed("GPT", m);
    let header_size = u32_le(header, 12) as usize;
    if !(92..=sector_size as usize).contains(&header_size) {
        return Err(malformed(format!("header size {header_size}")));
    }
    let mut full = read_vec(disk, sector_size, header_size)?;
    let stored_crc = u32_le(&full, 16);
    full[16..20].fill(0);
    if crc32(&full) != stored_crc {
        return Err(malformed("header CRC32 mismatch".into()));
    }
    let entries_lba = u64_le(&full, 72);
    let count = u32_le(&full, 80) as usize;
    let entry_size = u32_le(&full, 84) as usize;
    if entry_size < 128 || count > 16_384 {
        return Err(malformed(format!("{count} entries of {entry_size} bytes")));
    }
    let entries = read_vec(disk, entries_lba * sector_size, count * entry_size)?;
    if crc32(&entries) != u32_le(&full, 88) {
        return Err(malformed("partition entries CRC32 mismatch".into()));
    }
    let mut partitions = Vec::new();
    for (i, entry) in entries.chunks_exact(entry_size).enumerate() {
        let type_guid = &entry[..16];
        if type_guid.iter().all(|&b| b == 0) {
            continue;
        }
        let (first, last) = (u64_le(entry, 32), u64_le(entry, 40));
        if last < first {
            return Err(malformed(format!("entry {} ends (LBA {last}) before it starts (LBA {first})", i + 1)));
        }
        let type_id = format_guid(type_guid);
        let name_units: Vec<u16> = (56..128).step_by(2).map(|at| u16_le(entry, at)).take_while(|&u| u != 0).collect();
        partitions.push(Partition {
            number: i as u32 + 1,
            offset: first * sector_size,
            size: (last - first + 1) * sector_size,
            type_name: gpt_type_name(&type_id),
            type_id,
            name: Some(String::from_utf16_lossy(&name_units)).filter(|n| !n.is_empty()),
        });
    }
    Ok(partitions)
}

/// A GUID as text: the first three fields are stored little-endian, the last two as bytes.
pub fn format_guid(b: &[u8]) -> String {
    format!(
        "{:08X}-{:04X}-{:04X}-{:02X}{:02X}-{}",
        u32_le(b, 0),
        u16_le(b, 4),
        u16_le(b, 6),
        b[8],
        b[9],
        b[10..16].iter().map(|x| format!("{x:02X}")).collect::<String>()
    )
}

fn gpt_type_name(guid: &str) -> Option<&'static str> {
    Some(match guid {
        "0FC63DAF-8483-4772-8E79-3D69D8477DE4" => "Linux filesystem",
        "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709" => "Linux root (x86-64)",
        "B921B045-1DF0-41C3-AF44-4C6F280D3FAE" => "Linux root (ARM64)",
        "933AC7E1-2EB4-4F13-B844-0E14E2AEF915" => "Linux /home",
        "E6D6D379-F507-44C2-A23C-238F2A3DF928" => "Linux LVM",
        "A19D880F-05FC-4D3B-A006-743F0F84911E" => "Linux RAID",
        "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F" => "Linux swap",
        "BC13C2FF-59E6-4262-A352-B275FD6F7172" => "Linux extended boot",
        "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" => "EFI System",
        "21686148-6449-6E6F-744E-656564454649" => "BIOS boot",
        "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" => "Microsoft basic data",
        "E3C9E316-0B5C-4DB8-817D-F92DF00215AE" => "Microsoft reserved",
        _ => return None,
    })
}

fn mbr_type_name(kind: u8) -> Option<&'static str> {
    Some(match kind {
        0x83 => "Linux",
        0x82 => "Linux swap",
        0x8e => "Linux LVM",
        0xfd => "Linux RAID",
        0x07 => "NTFS/exFAT",
        0x0b | 0x0c => "FAT32",
        0x06 | 0x0e => "FAT16",
        0xef => "EFI System",
        _ => return None,
    })
}

/// CRC-32 (IEEE, reflected), as the GPT uses.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mbr_entry(sector: &mut [u8], index: usize, kind: u8, start: u32, sectors: u32) {
        let e = &mut sector[446 + index * 16..446 + (index + 1) * 16];
        e[4] = kind;
        e[8..12].copy_from_slice(&start.to_le_bytes());
        e[12..16].copy_from_slice(&sectors.to_le_bytes());
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn reads_mbr_primary_and_logical_partitions() {
        let mut disk = vec![0u8; 4096 * 512];
        mbr_entry(&mut disk, 0, 0x83, 2048, 100);
        mbr_entry(&mut disk, 1, 0x05, 3000, 1000);
        disk[510..512].copy_from_slice(&MBR_SIGNATURE);
        // First EBR at 3000: logical at +10, link to the next EBR at extended + 200.
        let ebr1 = 3000 * 512;
        mbr_entry(&mut disk[ebr1..], 0, 0x83, 10, 50);
        mbr_entry(&mut disk[ebr1..], 1, 0x05, 200, 100);
        disk[ebr1 + 510..ebr1 + 512].copy_from_slice(&MBR_SIGNATURE);
        let ebr2 = 3200 * 512;
        mbr_entry(&mut disk[ebr2..], 0, 0x82, 5, 20);
        disk[ebr2 + 510..ebr2 + 512].copy_from_slice(&MBR_SIGNATURE);

        let (kind, parts) = read_table(&mut disk).unwrap().unwrap();
        assert_eq!(kind, TableKind::Mbr);
        let summary: Vec<_> = parts.iter().map(|p| (p.number, p.offset / 512, p.size / 512, p.type_name)).collect();
        assert_eq!(
            summary,
            [(1, 2048, 100, Some("Linux")), (5, 3010, 50, Some("Linux")), (6, 3205, 20, Some("Linux swap"))]
        );
    }

    #[test]
    fn no_signature_means_no_table() {
        assert_eq!(read_table(&mut vec![0u8; 1024]).unwrap(), None);
    }

    /// A GPT disk of `sectors` 512-byte sectors with the given (type GUID bytes, first, last, name).
    fn gpt_disk(sectors: u64, parts: &[([u8; 16], u64, u64, &str)]) -> Vec<u8> {
        let mut disk = vec![0u8; sectors as usize * 512];
        mbr_entry(&mut disk, 0, PROTECTIVE_MBR, 1, (sectors - 1) as u32);
        disk[510..512].copy_from_slice(&MBR_SIGNATURE);
        let mut entries = vec![0u8; 128 * 128];
        for (i, (guid, first, last, name)) in parts.iter().enumerate() {
            let e = &mut entries[i * 128..(i + 1) * 128];
            e[..16].copy_from_slice(guid);
            e[32..40].copy_from_slice(&first.to_le_bytes());
            e[40..48].copy_from_slice(&last.to_le_bytes());
            for (j, unit) in name.encode_utf16().enumerate() {
                e[56 + j * 2..58 + j * 2].copy_from_slice(&unit.to_le_bytes());
            }
        }
        let mut header = vec![0u8; 92];
        header[..8].copy_from_slice(GPT_SIGNATURE);
        header[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        header[12..16].copy_from_slice(&92u32.to_le_bytes());
        header[24..32].copy_from_slice(&1u64.to_le_bytes());
        header[72..80].copy_from_slice(&2u64.to_le_bytes());
        header[80..84].copy_from_slice(&128u32.to_le_bytes());
        header[84..88].copy_from_slice(&128u32.to_le_bytes());
        header[88..92].copy_from_slice(&crc32(&entries).to_le_bytes());
        let crc = crc32(&header);
        header[16..20].copy_from_slice(&crc.to_le_bytes());
        disk[512..604].copy_from_slice(&header);
        disk[1024..1024 + entries.len()].copy_from_slice(&entries);
        disk
    }

    /// The Linux filesystem type GUID as stored on disk (mixed-endian).
    const LINUX_FS: [u8; 16] =
        [0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47, 0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4];

    #[test]
    fn reads_gpt_behind_a_protective_mbr() {
        let mut esp = [0u8; 16];
        esp.copy_from_slice(&[
            0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b,
        ]);
        let mut disk = gpt_disk(256, &[(esp, 34, 99, "EFI"), (LINUX_FS, 100, 199, "root")]);
        let (kind, parts) = read_table(&mut disk).unwrap().unwrap();
        assert_eq!(kind, TableKind::Gpt);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].type_id, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
        assert_eq!(parts[0].type_name, Some("EFI System"));
        assert_eq!(
            (parts[1].number, parts[1].offset, parts[1].size, parts[1].name.as_deref(), parts[1].type_name),
            (2, 100 * 512, 100 * 512, Some("root"), Some("Linux filesystem"))
        );
    }

    #[test]
    fn a_corrupt_gpt_is_an_error_not_an_empty_disk() {
        let mut disk = gpt_disk(256, &[(LINUX_FS, 100, 199, "root")]);
        disk[1024 + 32] ^= 1; // first LBA of entry 1: the entries' CRC no longer matches
        let err = read_table(&mut disk).unwrap_err();
        assert!(err.to_string().contains("entries CRC32"), "{err}");
        let mut disk = gpt_disk(256, &[(LINUX_FS, 100, 199, "root")]);
        disk[512 + 80] = 7; // entry count in the header
        assert!(read_table(&mut disk).unwrap_err().to_string().contains("header CRC32"));
    }
}
