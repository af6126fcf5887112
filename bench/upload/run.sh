#!/usr/bin/env bash
# The upload benchmark (issue 14, point 6): N value rows (default 1,000,000) uploaded through
# the one write path (App::upload, what `youxiang values import` and the web's upload call:
# read, validate, one transaction with an audit row per value, the engine) on SQLite and on
# PostgreSQL, then the same file again (unchanged), beside the same CSV bulk-loaded raw into
# the same backend by the database's own tool: `sqlite3 .import` (one prepared INSERT per
# row in one transaction) into a plain table and into one keyed like `observations`, and
# PostgreSQL `\copy` (COPY FROM STDIN) likewise. One run, one machine, back to back.
# Cold start: the example then opens the app afresh on the database it wrote (`open`: every
# value read, both engines built) beside the engine built from values.csv alone
# (`engine-from-csv`), and the script times a release `youxiang serve` on that database
# from its start to the first `/readyz` = 200. ROWS=2400000 is the Zhejiang-scale database
# of the issue (2.4 M numbers).
#
# Usage: [NO_BUILD=1] bench/upload/run.sh [--quick] [ROWS]
#   --quick  100,000 rows (a smoke run: every step once, a minute once the release example
#            is built).
# Needs sqlite3 and psql on the PATH; PostgreSQL at $YOUXIANG_TEST_PG_URL (default
# postgres://postgres@127.0.0.1:5432/postgres), where it creates and drops its databases;
# without PostgreSQL (or with YOUXIANG_SKIP_PG=1) the PostgreSQL half is skipped, loudly.
# Generated files in work-data/upload-bench (gitignored); results in results.tsv there.
set -euo pipefail

QUICK=0
if [[ "${1:-}" == "--quick" ]]; then QUICK=1; shift; fi
ROWS="${1:-$(( QUICK ? 100000 : 1000000 ))}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
. scripts/lib/checks.sh
OUT="$ROOT/work-data/upload-bench"
RES="$OUT/results.tsv"
ADMIN="${YOUXIANG_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
BASE="${ADMIN%/*}"
mkdir -p "$OUT"
printf 'backend\twhat\trows\tseconds\n' > "$RES"

yx_has_cmd sqlite3 || yx_skip "upload benchmark" "sqlite3 not found"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$ROWS" "$3" | tee -a "$RES"; }

echo "== building the release example and server (cargo build --release -p youxiang-app --example bulk_import; -p youxiang-cli)" >&2
if [[ "${NO_BUILD:-}" != "1" ]]; then
  cargo build --release -q -p youxiang-app --example bulk_import
  cargo build --release -q -p youxiang-cli --bin youxiang
fi
TARGET="${CARGO_TARGET_DIR:-target}"
case "$TARGET" in /*) ;; *) TARGET="$ROOT/$TARGET" ;; esac
BIN="$TARGET/release/examples/bulk_import"
YX="$TARGET/release/youxiang"

# Cold start: `youxiang serve` on the database just written, from its start to the first
# `/readyz` = 200 (store reachable, every value read, the engines built).
cold_start() {
  local backend="$1" url="$2" port pid t
  port=$(( 20000 + RANDOM % 20000 ))
  t=$(now)
  "$YX" --db "$url" serve --addr "127.0.0.1:$port" --log-level error > "$OUT/serve-$backend.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
    if ! kill -0 "$pid" 2> /dev/null; then
      echo "== the server on $backend stopped before it was ready:" >&2
      cat "$OUT/serve-$backend.log" >&2
      return 1
    fi
    sleep 0.05
  done
  record "$backend" "youxiang serve until /readyz 200 (cold start)" "$(since "$t")"
  kill "$pid"
  wait "$pid" 2> /dev/null || true
}

# Ours on SQLite (makes values.csv and a fresh bulk.db).
echo "== youxiang on SQLite: $ROWS rows, then the same file again" >&2
"$BIN" "$ROWS" "$OUT" | tee "$OUT/sqlite.log" >&2
grep '^result ' "$OUT/sqlite.log" | while read -r _ backend what _ secs; do
  record "$backend" "youxiang $what" "$secs"
done
CSV="$OUT/values.csv"
cold_start sqlite "sqlite://$OUT/bulk.db"

# The peer on SQLite: the sqlite3 shell's .import (prepared INSERT per row, one transaction).
KEYED='indicator TEXT NOT NULL, place TEXT NOT NULL, period TEXT NOT NULL,
  component TEXT NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (indicator, place, period, component)'
PLAIN='indicator TEXT, place TEXT, period TEXT, component TEXT, value REAL'
for shape in plain keyed; do
  rm -f "$OUT/peer.db"
  if [[ $shape == plain ]]; then cols="$PLAIN"; extra=""; else cols="$KEYED"; extra=" WITHOUT ROWID"; fi
  sqlite3 "$OUT/peer.db" "PRAGMA journal_mode=WAL; CREATE TABLE v ($cols)$extra;" > /dev/null
  t=$(now)
  sqlite3 "$OUT/peer.db" ".import --csv --skip 1 $CSV v"
  record sqlite "sqlite3 .import ($shape table)" "$(since "$t")"
done
rm -f "$OUT/peer.db"

# PostgreSQL: ours into a fresh database, then COPY into a plain and a keyed table.
pg() { psql "$1" -v ON_ERROR_STOP=1 -qAt -c "$2"; }
if [[ "${YOUXIANG_SKIP_PG:-}" == "1" ]] || ! pg "$ADMIN" "SELECT 1" > /dev/null 2>&1; then
  echo "== SKIPPED: PostgreSQL at $ADMIN (unreachable or YOUXIANG_SKIP_PG=1)" >&2
else
  DB=yx_bench_upload
  pg "$ADMIN" "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  pg "$ADMIN" "CREATE DATABASE $DB"
  echo "== youxiang on PostgreSQL: $ROWS rows, then the same file again" >&2
  "$BIN" "$ROWS" "$OUT" "$BASE/$DB" | tee "$OUT/postgres.log" >&2
  grep '^result ' "$OUT/postgres.log" | while read -r _ backend what _ secs; do
    record "$backend" "youxiang $what" "$secs"
  done
  cold_start postgres "$BASE/$DB"
  for shape in plain keyed; do
    if [[ $shape == plain ]]; then cols="$PLAIN"; else cols="$KEYED"; fi
    pg "$BASE/$DB" "DROP TABLE IF EXISTS peer; CREATE TABLE peer (${cols//REAL/float8})"
    t=$(now)
    pg "$BASE/$DB" "\\copy peer FROM '$CSV' WITH (FORMAT csv, HEADER true)"
    record postgres "psql \\copy ($shape table)" "$(since "$t")"
  done
  pg "$ADMIN" "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi

echo "== results ($RES)" >&2
column -t -s $'\t' "$RES"
