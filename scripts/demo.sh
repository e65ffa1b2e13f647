#!/usr/bin/env bash
# The demo: starts the AWS emulator, plants a small insecure account in it (with a compliant twin
# for every problem), scans it with palisade, and prints the findings table.
# Needs no cloud credentials, and never uses any: everything happens inside the emulator.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

command -v cargo >/dev/null || { echo "error: cargo is required (https://rustup.rs)" >&2; exit 1; }
ensure_venv
log "building palisade (the first build compiles the AWS SDK and takes a while)"
cargo build --locked -q -p palisade-cli
start_emulator

log "planting an insecure demo account"
"$VENV/bin/python" scripts/emulator/plant_demo.py --endpoint "$PALISADE_TEST_ENDPOINT" \
  --control "$PALISADE_TEST_CONTROL" >/dev/null

demo_dir="${PALISADE_DEMO_DIR:-$ROOT/.demo}"
mkdir -p "$demo_dir"
rm -f "$demo_dir"/palisade.db*
# Only the emulator's throwaway credentials; whatever the user has configured is left out.
env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_CONFIG_FILE -u AWS_SHARED_CREDENTIALS_FILE \
  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
  AWS_ENDPOINT_URL="$PALISADE_TEST_ENDPOINT" AWS_EC2_METADATA_DISABLED=true \
  "$CARGO_TARGET_DIR/debug/palisade" scan --regions us-east-1 --db "$demo_dir/palisade.db" --label Demo "$@"
log "findings are stored in $demo_dir/palisade.db (try: palisade findings --db $demo_dir/palisade.db --status FAIL)"
