#!/usr/bin/env bash
# Side-by-side benchmark of the access engine (15分钟公共服务圈) on Porto Alegre, against
# pandana (network build + nearest_pois) and scipy's compiled Dijkstra, plus scaling on
# synthetic grids. Usage: bench/access/run.sh [--quick]
#   --quick: one repeat, grid 1e5 only, peers only if their venv already exists (< 1 min
#            once the release example is built).
# Python peers live in an ignored venv (work-data/venv); generated files in work-data/access-bench.
set -euo pipefail

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
DATA="../shared/data/osm/porto-alegre"
OUT="work-data/access-bench"
VENV="work-data/venv"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/youxiang-target-access}"
BIN="$CARGO_TARGET_DIR/release/examples/bench_access"
RES="$OUT/results.jsonl"
mkdir -p "$OUT"
: > "$RES"

. scripts/lib/checks.sh
[[ -f "$DATA/poa_osm.pbf" ]] || yx_skip "access benchmark" "$DATA/poa_osm.pbf not found"

if (( QUICK )); then REPEATS=1; SIZES="100000"; SCIPY_SIZES="100000"; else REPEATS=5; SIZES="100000 1000000 10000000"; SCIPY_SIZES="100000 1000000 10000000"; fi

echo "== building release example" >&2
cargo build --release -q -p youxiang-access --example bench_access

PY=""
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "import pandana, scipy, networkx" 2>/dev/null; then
  PY="$VENV/bin/python"
elif (( ! QUICK )); then
  echo "== installing Python peers into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q pandana scipy networkx numpy pandas
  PY="$VENV/bin/python"
else
  echo "(quick mode: no peer venv at $VENV; peers skipped)" >&2
fi

echo "== youxiang-access on Porto Alegre" >&2
"$BIN" poa --pbf "$DATA/poa_osm.pbf" --grid "$DATA/poa_hexgrid.csv" --out "$OUT" --repeats "$REPEATS" | tee -a "$RES"

if [[ -n "$PY" ]]; then
  echo "== scipy / NetworkX on the same graph" >&2
  "$PY" bench/access/peers.py scipy "$OUT" "$REPEATS" | tee -a "$RES"
  echo "== pandana" >&2
  "$PY" bench/access/peers.py pandana "$OUT" "$(( QUICK ? 1 : 3 ))" "$DATA/poa_hexgrid.csv" 2>/dev/null | tee -a "$RES"
fi

echo "== scaling on synthetic grids" >&2
for n in $SIZES; do
  EXPORT=()
  if [[ -n "$PY" && " $SCIPY_SIZES " == *" $n "* ]]; then EXPORT=(--export "$OUT"); fi
  "$BIN" grid --nodes "$n" --repeats "$(( n >= 10000000 ? 2 : REPEATS ))" "${EXPORT[@]}" | tee -a "$RES"
  if (( ${#EXPORT[@]} )); then
    "$PY" bench/access/peers.py grid "$OUT" "$n" "$(( n >= 10000000 ? 1 : REPEATS ))" | tee -a "$RES"
    rm -f "$OUT/grid_${n}_edges.bin"
  fi
done

python3 bench/access/summarize.py "$RES" | tee "$OUT/summary.md"
