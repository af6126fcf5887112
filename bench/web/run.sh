#!/usr/bin/env bash
# wrk (Debian) against the status and overview endpoints of `youxiang serve` (release), on
# the Dinghai demo data and on the Zhejiang workload (real province/cities/counties/towns,
# 24,946 generated villages, 26,435 places; the first MONTHS months of village values
# uploaded through the one write path by the bulk_import example). Methods §7: ≥ 5,000
# requests/s, p99 < 25 ms, zero errors, two cores.
#
#   bench/web/run.sh              # demo and Zhejiang (3 months: 2.39 M numbers)
#   DUR=10s MONTHS=1 bench/web/run.sh
#   ONLY=demo bench/web/run.sh
#   BIN=/tmp/youxiang-before ONLY=demo bench/web/run.sh   # another build of the binary
#
# Each path is asked twice: as is (after the first request the answer comes from the
# response cache, valid until the next write), and with a distinct dummy parameter on
# every request (`&n=…`, which the API ignores), so that every answer is computed afresh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$ROOT/$CARGO_TARGET_DIR" ;; esac
DUR=${DUR:-20s}
MONTHS=${MONTHS:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PORT=${PORT:-18090}
WORK="$ROOT/work-data/bench-web"
mkdir -p "$WORK"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

# BIN=/path/to/youxiang measures a binary built elsewhere (an earlier commit, for a before
# and after comparison in one sitting); otherwise this checkout's release build.
if [ -z "${BIN:-}" ]; then
  cargo build -q --release -p youxiang-cli
  BIN="$CARGO_TARGET_DIR/release/youxiang"
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNS -d$DUR --latency (same machine as the server)"

cat >"$WORK/fresh.lua" <<'LUA'
-- A distinct query on every request: the answer is computed, never taken from the cache.
local n = 0
request = function()
  n = n + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. sep .. "n=" .. n .. "-" .. math.random(1e9))
end
LUA

PID=""
stop() { [ -z "$PID" ] || { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }; }
trap stop EXIT

serve() { # db login password
  "$BIN" --db "$1" serve --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$PORT/login" >/dev/null 2>&1 && break
    sleep 0.2
  done
  local resp
  resp=$(curl -fsS -i -X POST -H 'content-type: application/json' \
    -d "{\"login\":\"$2\",\"password\":\"$3\"}" "http://127.0.0.1:$PORT/api/v1/session")
  COOKIE=$(printf '%s\n' "$resp" | grep -i '^set-cookie:' | sed 's/^[^:]*: //; s/;.*//')
  CSRF=$(printf '%s\n' "$resp" | grep -o '"csrf_token":"[0-9a-f]*"' | cut -d'"' -f4)
}

cat >"$WORK/write.lua" <<'LUA'
-- One value per request through POST /api/v1/values, a different number each time (so every
-- request is a change: the database commit with its audit row, every dependent roll-up and
-- status, the red-light sweep). Key from the environment: W_IND, W_PLACE, W_PERIOD, W_COMP.
local n = 0
wrk.headers["Content-Type"] = "application/json"
local ind, place, period, comp =
  os.getenv("W_IND"), os.getenv("W_PLACE"), os.getenv("W_PERIOD"), os.getenv("W_COMP")
request = function()
  n = n + 1
  local body = string.format(
    '[{"indicator":"%s","place":"%s","period":"%s","component":"%s","value":%d}]',
    ind, place, period, comp, 1000 + n)
  return wrk.format("POST", nil, nil, body)
end
LUA

# Writes one value at a time (one connection: a reporter submitting), methods §7: p99 under
# 25 ms through the HTTP API with the database commit.
write_run() { # label indicator place period component
  local out
  out=$(W_IND=$2 W_PLACE=$3 W_PERIOD=$4 W_COMP=$5 wrk -t1 -c1 -d"$DUR" --latency \
    -s "$WORK/write.lua" -H "Cookie: $COOKIE" -H "X-CSRF-Token: $CSRF" \
    "http://127.0.0.1:$PORT/api/v1/values")
  row "$1" "\`POST /api/v1/values\` ($2 $3 $4 $5)" write "–" "$out"
}

# One table row from wrk's output: req/s, p50, p90, p99, socket errors, non-2xx answers.
row() { # label what mode size wrk-output
  local out=$5 rps p50 p90 p99 errs non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p90=$(awk '$1=="90%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(grep -o 'Socket errors:.*' <<<"$out" || echo "Socket errors: none")
  non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' <<<"$out" || echo "non-2xx: 0")
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s; %s |\n' \
    "$1" "$2" "$3" "$4" "$rps" "$p50" "$p90" "$p99" "$errs" "$non2xx"
}

run() { # label path
  local url="http://127.0.0.1:$PORT$2" size
  size=$(curl -fsS -H "Cookie: $COOKIE" "$url" | wc -c)
  for mode in cached fresh; do
    local script=()
    [ "$mode" = fresh ] && script=(-s "$WORK/fresh.lua")
    local out
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency "${script[@]}" -H "Cookie: $COOKIE" "$url")
    row "$1" "\`$2\`" "$mode" "$size B" "$out"
  done
}

header() {
  echo
  echo "| data | path | answer | size | req/s | p50 | p90 | p99 | errors |"
  echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
}

if [ "${ONLY:-demo}" = demo ] || [ -z "${ONLY:-}" ]; then
  DB="sqlite://$WORK/demo.db"
  "$BIN" --db "$DB" demo --fresh --no-serve >/dev/null
  serve "$DB" viewer Demo@2025
  header
  for p in /api/v1/status /api/v1/overview "/api/v1/status?period=2025-06" "/api/v1/overview?period=2025-06"; do
    run demo "$p"
  done
  stop
  serve "$DB" office Demo@2025
  write_run demo T01 330902002001 2026-01 numerator
  stop
fi

if [ "${ONLY:-zhejiang}" = zhejiang ] || [ -z "${ONLY:-}" ]; then
  if [ ! -d ../shared/data/divisions ]; then
    echo "../shared/data/divisions is missing: the Zhejiang workload cannot be built" >&2
    exit 1
  fi
  ZDIR="$WORK/zhejiang-$MONTHS"
  if [ ! -f "$ZDIR/bulk.db" ]; then
    # 798,272 numbers a month (20 indicators, 24,946 villages, rates as two numbers).
    rows=$((MONTHS * 798272))
    echo "building the Zhejiang database: $rows numbers through App::upload (bulk_import example)"
    cargo run -q --release -p youxiang-app --example bulk_import -- "$rows" "$ZDIR"
  fi
  ZDB="sqlite://$ZDIR/bulk.db"
  # The administrator sets their own password (a password set by another must be changed first).
  printf '%s\n' 'Bench#2026pw' | "$BIN" --db "$ZDB" users passwd admin --as admin --password-stdin >/dev/null
  t0=$(date +%s.%N)
  serve "$ZDB" admin 'Bench#2026pw'
  echo "zhejiang: server up (values loaded into the engine) in $(echo "$(date +%s.%N) - $t0" | bc) s"
  last=$(printf '2023-%02d' "$MONTHS")
  header
  for p in /api/v1/status /api/v1/overview "/api/v1/status?period=$last" "/api/v1/overview?period=$last"; do
    run zhejiang "$p"
  done
  # The first number of the uploaded file (a village's, 2023-01), written again and again.
  IFS=, read -r w_ind w_place w_period w_comp _ < <(sed -n 2p "$ZDIR/values.csv")
  case "$w_comp" in 分子) w_comp=numerator ;; 分母) w_comp=denominator ;; *) w_comp=value ;; esac
  write_run zhejiang "$w_ind" "$w_place" "$w_period" "$w_comp"
  stop
fi
