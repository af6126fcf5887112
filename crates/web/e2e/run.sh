#!/usr/bin/env bash
# Browser tests: Debian's chromium driven by playwright-core against `youxiang serve` on a
# fresh demo database. Screenshots go to artifacts/screenshots/ (gitignored).
#   crates/web/e2e/run.sh            # builds the release binary first
#   YOUXIANG_BIN=path/to/youxiang crates/web/e2e/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"

. "$ROOT/scripts/lib/checks.sh"

# A tool that genuinely cannot be installed here skips the run with a clear message and exit
# status 77 (scripts/test records it as skipped; under CI=true that fails the run unless
# allow-listed); a test that fails fails the run.
missing=$(yx_missing_browser_tools)
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  echo "== installing $missing (apt-get)"
  { $SUDO apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null; } ||
    true
  missing=$(yx_missing_browser_tools)
  [ -z "$missing" ] || yx_skip "browser tests" "missing: $missing (apt-get could not install them)"
fi
if [ ! -d "$HERE/node_modules/playwright-core" ] || [ ! -d "$HERE/node_modules/axe-core" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund) || yx_skip "browser tests" "npm ci (playwright-core) failed: no npm registry?"
fi

BIN=${YOUXIANG_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release -p youxiang-cli
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/youxiang"
fi

WORK=$(mktemp -d)
DB="sqlite://$WORK/e2e.db"
"$BIN" --db "$DB" demo --fresh --no-serve >/dev/null
PORT=${E2E_PORT:-18089}
"$BIN" --db "$DB" serve --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/login" >/dev/null 2>&1; then break; fi
  sleep 0.2
done

mkdir -p "$ROOT/artifacts/screenshots"
BASE="http://127.0.0.1:$PORT" SHOTS="$ROOT/artifacts/screenshots" node --test --test-reporter=tap "$HERE"/*.test.mjs
