#!/usr/bin/env bash
# The 15-minute circle inside the platform: the time to recompute the Porto Alegre demo's
# circle (1,227 resident cells, 335 facilities, the OSM walking network kept in the
# database) from the command line, and the time of one facility change (the register's
# write plus the recompute it triggers). Usage: bench/access/circle.sh [BINARY]
# (default: $CARGO_TARGET_DIR/release/youxiang). Generated files in work-data/circle-bench.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BIN="${1:-${CARGO_TARGET_DIR:-target}/release/youxiang}"
DATA="../shared/data/osm/porto-alegre"
OUT="work-data/circle-bench"
. scripts/lib/checks.sh
[[ -f "$DATA/poa_osm.pbf" ]] || yx_skip "circle benchmark" "$DATA/poa_osm.pbf not found"
mkdir -p "$OUT"
DB="sqlite://$ROOT/$OUT/poa.db"
"$BIN" --db "$DB" access demo-poa --fresh --dir "$DATA" > "$OUT/demo.txt"
for i in 1 2 3 4 5; do
  "$BIN" --db "$DB" access circle recompute --as office
done
# One facility change, timed inside the process (the network built first, untimed): close
# a school — the register's write, the recompute it triggers, the computed C01 written
# approved in one transaction.
CODE=$("$BIN" --db "$DB" facilities list --type primary_school --json --as office \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')
"$BIN" --db "$DB" access circle recompute --close "$CODE" --as office
# The same from the command line, process start and network build included.
CODE2=$("$BIN" --db "$DB" facilities list --type primary_school --json --as office \
  | python3 -c 'import json,sys; print([f for f in json.load(sys.stdin) if f["status"] != "closed"][0]["code"])')
start=$(date +%s.%N)
"$BIN" --db "$DB" facilities set "$CODE2" --status closed --closed 2025-10-15 --as office > /dev/null
end=$(date +%s.%N)
python3 -c "print(f'one facility change from the command line (process start, network build, write, recompute): {($end-$start):.3f} s')"
"$BIN" --db "$DB" access circle show --as office | sed -n 1,3p
