#!/usr/bin/env bash
# Builds the disk images the image-reading tests read (crates/vuln/tests/images.rs,
# crates/cli/tests/image.rs) into a cache directory, reused when already complete:
#   debian-rootfs/      a debootstrap'd Debian bookworm (minbase + openssl, curl): ground truth
#   debian.raw          that tree as a whole-disk ext4 file system (mkfs.ext4 -d, no mount)
#   debian.qcow2        the same, converted to qcow2
#   debian-gpt.raw      a GPT disk with one partition holding debian.raw
#   vfat.raw            a small FAT file system (an unsupported file system), if mkfs.vfat exists
# Prints the cache directory on stdout. Needs root (debootstrap) and network access to the
# Debian mirror apt uses here.
set -euo pipefail

OUT="${PALISADE_TESTDATA:-$HOME/.cache/palisade/testdata}"
log() { printf '==> %s\n' "$*" >&2; }
mkdir -p "$OUT"

# Tools from Debian packages; installed only when missing.
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v qemu-img >/dev/null || need+=(qemu-utils)
command -v sfdisk >/dev/null || need+=(fdisk)
command -v mkfs.vfat >/dev/null || need+=(dosfstools)
if [ ${#need[@]} -gt 0 ] && [ ! -f "$OUT/.complete" ]; then
  log "installing ${need[*]}"
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
fi

if [ -f "$OUT/.complete" ]; then
  echo "$OUT"
  exit 0
fi

# The mirror apt already uses (deb822 or one-line sources), else deb.debian.org.
mirror=$(grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(grep -hoE '^deb +\S+' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
mirror="${mirror:-http://deb.debian.org/debian}"

rootfs="$OUT/debian-rootfs"
if [ ! -f "$rootfs/var/lib/dpkg/status" ] || [ ! -f "$OUT/.rootfs-complete" ]; then
  rm -rf "$rootfs"
  log "debootstrap bookworm from $mirror into $rootfs (about a minute)"
  debootstrap --variant=minbase --include=openssl,curl bookworm "$rootfs" "$mirror" >"$OUT/debootstrap.log" 2>&1 \
    || { tail -20 "$OUT/debootstrap.log" >&2; exit 1; }
  touch "$OUT/.rootfs-complete"
fi

log "making debian.raw (ext4, whole disk)"
rm -f "$OUT/debian.raw" "$OUT/debian.qcow2" "$OUT/debian-gpt.raw"
mkfs.ext4 -q -F -d "$rootfs" "$OUT/debian.raw" 512M

log "making debian.qcow2"
qemu-img convert -f raw -O qcow2 "$OUT/debian.raw" "$OUT/debian.qcow2"

log "making debian-gpt.raw (GPT, one Linux partition at 1 MiB)"
size=$(stat -c %s "$OUT/debian.raw")
# 1 MiB before the partition, 1 MiB after it for the backup GPT.
truncate -s $((size + 2 * 1024 * 1024)) "$OUT/debian-gpt.raw"
printf 'label: gpt\nstart=2048, size=%d, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"\n' $((size / 512)) \
  | sfdisk --quiet "$OUT/debian-gpt.raw"
dd if="$OUT/debian.raw" of="$OUT/debian-gpt.raw" bs=1M seek=1 conv=notrunc status=none

if command -v mkfs.vfat >/dev/null; then
  log "making vfat.raw"
  rm -f "$OUT/vfat.raw"
  truncate -s 16M "$OUT/vfat.raw"
  mkfs.vfat "$OUT/vfat.raw" >/dev/null
fi

touch "$OUT/.complete"
echo "$OUT"
