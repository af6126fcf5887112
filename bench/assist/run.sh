#!/usr/bin/env bash
# The matching benchmark of methods §9 (弱有众扶: 100,000 needs × 5,000 resources in under
# 10 s on two cores), side by side with its peers in one run:
#   1. gen.py writes a synthetic district (needs.csv, resources.csv) under work-data/;
#   2. the release `youxiang assist match --json --stats` on it, best of REPEATS, wall clock
#      of the whole command (reading both CSVs, candidate edges, the exact optimum, JSON);
#   3. the same command with --greedy (nearest first: the peer it must beat);
#   4. OR-Tools' SimpleMinCostFlow (max flow with min cost, C++) on the same files, from
#      Python (venv under work-data/venv): matched and total distance must be equal;
#   5. NetworkX max_flow_min_cost on a small district (pure Python), against ours there.
#
#   bench/assist/run.sh            # 100,000 × 5,000 (+ NetworkX at 2,000 × 100), ~1 min once built
#   bench/assist/run.sh --quick    # 10,000 × 500, one repeat, peers only if the venv exists
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/youxiang-target-assist}
BIN="$CARGO_TARGET_DIR/release/youxiang"
VENV=work-data/venv
OUT=work-data/assist-bench
mkdir -p "$OUT"
RES="$OUT/results.jsonl"
: > "$RES"

if (( QUICK )); then N=10000; R=500; REPEATS=1; else N=100000; R=5000; REPEATS=3; fi

if [[ -z "${NO_BUILD:-}" ]]; then   # NO_BUILD=1: use the release binary already built
  echo "== building the release binary" >&2
  cargo build --release -q -p youxiang-cli --bin youxiang
fi

PY=""
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "import ortools, networkx, scipy" 2>/dev/null; then
  PY="$VENV/bin/python"
elif (( ! QUICK )); then
  echo "== installing the Python peers into $VENV" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q ortools networkx scipy numpy
  PY="$VENV/bin/python"
else
  echo "(quick mode: no peer venv at $VENV; peers skipped)" >&2
fi

# ours DIR LABEL [--greedy]: best wall time of REPEATS runs, with the answer's figures.
ours() {
  local dir=$1 label=$2; shift 2
  local best="" t0 t1 s
  for _ in $(seq "$REPEATS"); do
    t0=$(date +%s.%N)
    "$BIN" assist match --needs "$dir/needs.csv" --resources "$dir/resources.csv" --json --stats "$@" \
      > "$dir/answer.json" 2> "$dir/stats.json"
    t1=$(date +%s.%N)
    s=$(python3 -c "print(round($t1 - $t0, 3))")
    if [[ -z "$best" ]] || python3 -c "import sys; sys.exit(0 if $s < $best else 1)"; then best=$s; fi
  done
  python3 - "$dir" "$label" "$best" <<'PY'
import json, sys
d, label, best = sys.argv[1], sys.argv[2], float(sys.argv[3])
a = json.load(open(f"{d}/answer.json"))
s = json.loads(open(f"{d}/stats.json").read().strip().splitlines()[-1])
print(json.dumps({"method": label, "needs": s["needs"], "resources": s["resources"],
                  "wall_s": best, "solve_s": round(s["solve_s"], 3), "read_s": round(s["read_s"], 3),
                  "matched": a["matched"], "total_distance_mm": round(a["total_distance_m"] * 1000),
                  "stats": s["stats"]}, ensure_ascii=False))
PY
}

echo "== generating $N needs × $R resources" >&2
python3 bench/assist/gen.py "$N" "$R" "$OUT/main"
echo "== youxiang assist match (optimal)" >&2
ours "$OUT/main" optimal | tee -a "$RES"
echo "== youxiang assist match --greedy" >&2
ours "$OUT/main" greedy --greedy | tee -a "$RES"
if [[ -n "$PY" ]]; then
  echo "== OR-Tools on the same files" >&2
  "$PY" bench/assist/peers.py ortools "$OUT/main" | tee -a "$RES"
  if (( ! QUICK )); then
    echo "== NetworkX on a small district (2,000 × 100), and ours on it" >&2
    python3 bench/assist/gen.py 2000 100 "$OUT/small"
    ours "$OUT/small" optimal-small | tee -a "$RES"
    "$PY" bench/assist/peers.py networkx "$OUT/small" | tee -a "$RES"
  fi
fi

python3 - "$RES" <<'PY' | tee "$OUT/summary.md"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {r["method"]: r for r in rows}
def t(r): return r.get("wall_s", r.get("solve_s"))
print("| run | needs × resources | seconds | needs met | total distance (m) |")
print("| --- | --- | --- | --- | --- |")
for r in rows:
    sec = f'{r["wall_s"]} (whole command)' if "wall_s" in r else f'{r["solve_s"]} solve + {r["edges_s"]} edges'
    print(f'| {r.get("peer", "youxiang " + r["method"])} | {r["needs"]:,} × {r["resources"]:,} | {sec} | {r["matched"]:,} | {r["total_distance_mm"]/1000:,.3f} |')
o, g = by.get("optimal"), by.get("greedy")
if o and g:
    print(f'\noptimal vs greedy: {o["matched"] - g["matched"]:+,} needs met')
if o and "ortools" in by:
    p = by["ortools"]
    same = (o["matched"], o["total_distance_mm"]) == (p["matched"], p["total_distance_mm"])
    print(f'optimal vs OR-Tools: {"equal" if same else "DIFFERENT"} (matched {o["matched"]} / {p["matched"]}, mm {o["total_distance_mm"]} / {p["total_distance_mm"]})')
if "optimal-small" in by and "networkx" in by:
    a, b = by["optimal-small"], by["networkx"]
    same = (a["matched"], a["total_distance_mm"]) == (b["matched"], b["total_distance_mm"])
    print(f'optimal vs NetworkX (small): {"equal" if same else "DIFFERENT"}')
if o:
    print(f'goal: 100,000 × 5,000 under 10 s — {o["wall_s"]} s whole command' if o["needs"] >= 100000 else "")
PY
