#!/usr/bin/env bash
# The engine benchmark of methods §7, side by side with DuckDB, in one run:
#   1. bench_engine (release): generates the Zhejiang workload, loads it into the engine,
#      times full_recompute, writes the values + place-ancestor table as CSV under
#      work-data/, times 10,000 single writes through Engine::apply, reads VmRSS/VmHWM;
#   2. duckdb_rollup.py (DuckDB from PyPI, in work-data/venv): the same roll-ups in SQL,
#      checked against a sample of the engine's figures;
#   3. a table of both.
#
#   bench/engine/run.sh            # the full Zhejiang workload (~30 M numbers; ~6.5 GB peak, ~6 min)
#   bench/engine/run.sh --quick    # 5% of the villages, 2 months: CI smoke, < 1 minute
#   bench/engine/run.sh -- ARGS    # extra arguments for bench_engine (e.g. --china --scale 0.25 --months 1 --no-yearly)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
QUICK=0
EXTRA=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --) shift; EXTRA=("$@"); break ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/youxiang-target-bench}
if [[ $QUICK == 1 ]]; then
    OUT=work-data/bench-engine-quick
    ARGS=(--scale 0.05 --repeat 3)
    REPEAT=3
else
    OUT=work-data/bench-engine
    ARGS=(--repeat 3)
    REPEAT=3
fi
mkdir -p "$OUT"

VENV=work-data/venv
if ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "== installing duckdb into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q duckdb
fi

echo "== building bench_engine (release)"
cargo build -q --release -p youxiang-engine --example bench_engine

echo "== engine"
"$CARGO_TARGET_DIR/release/examples/bench_engine" --out "$OUT" \
    --divisions ../shared/data/divisions --plan plans/dinghai-qiyouxiang.toml \
    "${ARGS[@]}" ${EXTRA[@]+"${EXTRA[@]}"}

echo "== engine, roll-ups only (no statuses: what DuckDB computes)"
"$CARGO_TARGET_DIR/release/examples/bench_engine" --out "$OUT" \
    --divisions ../shared/data/divisions --plan plans/dinghai-qiyouxiang.toml \
    "${ARGS[@]}" --rollups-only --no-export --writes 0 ${EXTRA[@]+"${EXTRA[@]}"}

for TYPE in decimal double; do
    echo "== duckdb ($TYPE)"
    "$VENV/bin/python" bench/engine/duckdb_rollup.py "$OUT" --type "$TYPE" --repeat "$REPEAT"
done

"$VENV/bin/python" - "$OUT" <<'EOF'
import os, sys
d = sys.argv[1]
def read(name):
    with open(os.path.join(d, name)) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
e = read("engine-results.txt")
r = read("engine-rollups-results.txt")
dd = read("duckdb-results-decimal.txt")
df = read("duckdb-results-double.txt")
ours = float(e["full_recompute_ms"])
ours_r = float(r["full_recompute_ms"])
best = min(float(dd["rollup_ms"]), float(df["rollup_ms"]))
rows = [
    ("workload", e["workload"]),
    ("places", e["places"]),
    ("numbers (cells)", f'{e["numbers"]} ({e["cells"]})'),
    ("engine load (from_observations)", f'{e["load_ms"]} ms'),
    ("engine load (CPU)", f'{e["load_cpu_ms"]} ms'),
    ("engine full_recompute: roll-ups + statuses, 1 thread", f'{ours:.0f} ms (CPU {e["full_recompute_cpu_ms"]} ms; runs {e["full_recompute_ms_runs"]})'),
    ("engine full_recompute: roll-ups only, 1 thread", f'{ours_r:.0f} ms (CPU {r["full_recompute_cpu_ms"]} ms; runs {r["full_recompute_ms_runs"]})'),
    (f'DuckDB {dd["duckdb_version"]} roll-ups, DECIMAL(18,6), {dd["threads"]} threads', f'{dd["rollup_ms"]} ms (load {dd["load_ms"]} ms)'),
    (f'DuckDB {df["duckdb_version"]} roll-ups, DOUBLE, {df["threads"]} threads', f'{df["rollup_ms"]} ms (load {df["load_ms"]} ms)'),
    ("DuckDB (faster) / engine full_recompute", f"{best / ours:.2f}x  (goal >= 2x)"),
    ("DuckDB (faster) / engine roll-ups only", f"{best / ours_r:.1f}x"),
    ("sample checked engine = DuckDB", f'{dd["compared"]} figures, {dd["mismatches"]}/{df["mismatches"]} mismatches'),
    ("apply p50 / p99 / max (wall)", f'{e["apply_p50_us"]} / {e["apply_p99_us"]} / {e["apply_max_us"]} us  (goal p99 < 5 ms)'),
    ("apply p50 / p99 / max (thread CPU)", " / ".join(e["apply_cpu_p50_p99_max_us"].split()) + " us"),
    ("incremental = full recompute", e["incremental_equals_full"]),
    ("VmRSS after load / VmHWM", f'{e["rss_after_load_mib"]} / {e["hwm_after_load_mib"]} MiB  (goal < 2 GB resident)'),
]
w = max(len(k) for k, _ in rows)
print()
for k, v in rows:
    print(f"{k:<{w}}  {v}")
EOF
