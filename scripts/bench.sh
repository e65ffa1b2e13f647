#!/usr/bin/env bash
# Runs Palisade's benchmarks: builds the release binaries, starts the AWS emulator, and runs
# palisade-bench. Usage:
#   scripts/bench.sh accounts [--counts 50,500] [--max-accounts 8] [--record docs/benchmarks.md]
# Figures print to stdout; --record writes them into docs/benchmarks.md with the machine and date.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

command -v cargo >/dev/null || { echo "error: cargo is required (https://rustup.rs)" >&2; exit 1; }
ensure_venv
# AWS-managed policies are never collected (IAM lists local policies only); loading them costs the
# emulator about a second per new account, which would only slow seeding.
export MOTO_IAM_LOAD_MANAGED_POLICIES=false
start_emulator
log "building release binaries"
cargo build --release --locked -p palisade-cli -p palisade-bench
"$CARGO_TARGET_DIR/release/palisade-bench" "$@"
