#!/usr/bin/env bash
# Runs the whole test suite: creates the emulator virtualenv if needed, starts the AWS emulator
# (moto) on a free 127.0.0.1 port, runs every cargo test against it, and stops it.
# Extra arguments go to `cargo test` (e.g. scripts/test.sh -p palisade-policy).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

command -v cargo >/dev/null || { echo "error: cargo is required (https://rustup.rs)" >&2; exit 1; }
ensure_venv
start_emulator
export PALISADE_TEST_PYTHON="$VENV/bin/python"
# Disk images for the image-reading tests (made once, cached; needs root and the Debian mirror).
export PALISADE_TESTDATA="${PALISADE_TESTDATA:-$HOME/.cache/palisade/testdata}"
log "disk image test data in $PALISADE_TESTDATA"
"$ROOT/scripts/testdata/make-images.sh" >/dev/null
log "running the test suite (target dir $CARGO_TARGET_DIR)"
cargo test --workspace --locked --no-fail-fast "$@"
