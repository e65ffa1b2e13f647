# Shared by scripts/test.sh and scripts/demo.sh: a project-local Python virtualenv with the AWS
# emulator, and starting/stopping one emulator on a free 127.0.0.1 port.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PALISADE_VENV:-$ROOT/.venv}"
# A warm target directory outside the clone makes repeated runs fast; nothing depends on it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palisade/target}"

log() { printf '==> %s\n' "$*" >&2; }

ensure_venv() {
  local stamp="$VENV/.palisade-requirements"
  if [ -x "$VENV/bin/python" ] && cmp -s "$ROOT/scripts/requirements-emulator.txt" "$stamp"; then
    return
  fi
  command -v python3 >/dev/null || { echo "error: python3 is required (for the AWS emulator)" >&2; exit 1; }
  log "creating the emulator virtualenv in $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/scripts/requirements-emulator.txt"
  cp "$ROOT/scripts/requirements-emulator.txt" "$stamp"
}

EMULATOR_PID=""
stop_emulator() {
  if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
  EMULATOR_PID=""
}

# Starts the emulator and exports PALISADE_TEST_ENDPOINT and PALISADE_TEST_CONTROL.
start_emulator() {
  local ready
  ready="$(mktemp -d)/emulator.json"
  MOTO_EC2_LOAD_DEFAULT_AMIS=false "$VENV/bin/python" "$ROOT/scripts/emulator/server.py" "$ready" \
    >"${ready%.json}.log" 2>&1 &
  EMULATOR_PID=$!
  trap stop_emulator EXIT
  for _ in $(seq 1 300); do
    [ -s "$ready" ] && break
    kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "${ready%.json}.log" >&2; echo "error: the emulator did not start" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$ready" ] || { echo "error: the emulator did not become ready in 30 s" >&2; exit 1; }
  PALISADE_TEST_ENDPOINT="$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["endpoint"])' "$ready")"
  PALISADE_TEST_CONTROL="$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["control"])' "$ready")"
  export PALISADE_TEST_ENDPOINT PALISADE_TEST_CONTROL
  log "AWS emulator at $PALISADE_TEST_ENDPOINT"
}
