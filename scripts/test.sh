#!/usr/bin/env bash
# Runs the whole test suite: creates the emulator virtualenv if needed, starts the AWS emulator
# (moto) on a free 127.0.0.1 port, runs every cargo test against it, and stops it.
# Extra arguments go to `cargo test` (e.g. scripts/test.sh -p palisade-policy).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

command -v cargo >/dev/null || { echo "error: cargo is required (https://rustup.rs)" >&2; exit 1; }
ensure_venv
# >>> Web UI browser tests (crates/cli/tests/ui.rs): Debian's chromium, driven by playwright-core
# from ui-tests/. Installed here when missing; if that cannot be done the UI test fails and says
# what to install (it never passes without a browser).
ensure_ui_browser() {
  local root=0
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && root=1
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$root" = 1 ]; then
      log "installing ${missing[*]} for the web UI tests"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
        log "warning: could not install ${missing[*]}; the web UI test will fail"
    else
      log "warning: the web UI tests need ${missing[*]}: sudo apt-get install ${missing[*]} (the web UI test will fail without them)"
    fi
  fi
  local stamp="$ROOT/ui-tests/node_modules/.palisade-package-lock.json"
  if command -v npm >/dev/null && ! cmp -s "$ROOT/ui-tests/package-lock.json" "$stamp"; then
    log "installing the node modules of ui-tests/ (playwright-core)"
    if npm ci --prefix "$ROOT/ui-tests" --no-audit --no-fund --loglevel=error >/dev/null; then
      cp "$ROOT/ui-tests/package-lock.json" "$stamp"
    else
      log "warning: npm ci in ui-tests/ failed; the web UI test will fail"
    fi
  fi
}
ensure_ui_browser
# <<< Web UI browser tests
start_emulator
export PALISADE_TEST_PYTHON="$VENV/bin/python"
# Disk images for the image-reading tests (made once, cached; needs root and the Debian mirror).
export PALISADE_TESTDATA="${PALISADE_TESTDATA:-$HOME/.cache/palisade/testdata}"
log "disk image test data in $PALISADE_TESTDATA"
"$ROOT/scripts/testdata/make-images.sh" >/dev/null
log "running the test suite (target dir $CARGO_TARGET_DIR)"
cargo test --workspace --locked --no-fail-fast "$@"
