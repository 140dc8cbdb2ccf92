#!/usr/bin/env bash
# bench/load/compare.sh — the generator's figures of docs/BENCHMARKS.md in
# one run on a 2-core machine: isla serve pinned to core 0 (--threads 1),
# every client pinned to core 1, against one cached search (the answer is
# served from isla's result cache after the first request).
#
#   bench/load/compare.sh DATA_DIR [SECONDS] [RATE]
#
# 1. wrk -t1 -c64 (closed loop: the ceiling of the server and the link)
# 2. isla load --find-max (open loop): the highest rate with p99 < 100 ms,
#    no errors and the achieved rate within 2% of the plan
# 3. isla load at RATE (default 50000/s) for SECONDS: achieved rate, p99,
#    generator lateness
# 4. the client-library check: libcurl multi, h2o's http1client and isla
#    load's closed model (64 connections/users), client CPU per request
# 5. if npx can find artillery (npm i artillery@2 in $ARTILLERY_DIR), the
#    same open-loop plan at RATE/10 with Artillery
# The load average is printed before each step: the machine may be shared.
set -euo pipefail
data=${1:?usage: compare.sh DATA_DIR [SECONDS] [RATE]}
secs=${2:-10}
rate=${3:-50000}
root=$(cd "$(dirname "$0")/../.." && pwd)
isla=${ISLA:-$root/build/isla}
work=$(mktemp -d /tmp/isla-load-compare-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
path="/bestOffersByHotel?earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-03&duration=2&countAdults=2&countChildren=0&departureAirports=FRA&limit=1"
url="http://127.0.0.1:$port$path"
taskset -c 0 "$isla" serve --data "$data" --host 127.0.0.1 --port "$port" --threads 1 >"$work/serve.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
echo "answer: $(curl -s -o /dev/null -w '%{size_download}' "$url") bytes; server pid $srv on core 0, clients on core 1"

plan() { # plan RATE DURATION
  cat <<EOP
config:
  target: "http://127.0.0.1:$port"
  phases:
    - {name: constant, duration: $2, arrivalRate: $1}
  http: {pool: 64}
  ensure: {p99: 100, maxErrorRate: 0}
scenarios:
  - flow:
      - get: {url: "$path"}
EOP
}
load() { echo "-- load average: $(cut -d' ' -f1-3 /proc/loadavg)"; }

load; echo "== wrk -t1 -c64 -d${secs}s (closed loop)"
taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency "$url" | grep -E "Requests/sec|Latency|50%|99%"

load; echo "== isla load --find-max (open loop, ${secs}/4 s steps)"
plan 1000 "$secs" >"$work/p.yml"
taskset -c 1 "$isla" load "$work/p.yml" --find-max --start-rate 5000 --step-duration "$(python3 -c "print(max(2, $secs / 4))")" --max-rate 400000 || true

load; echo "== isla load at ${rate}/s for ${secs} s (open loop)"
plan "$rate" "$secs" >"$work/r.yml"
/usr/bin/time -f "generator: %U s user, %S s sys, max RSS %M KB" taskset -c 1 "$isla" load "$work/r.yml" --quiet \
  --report "$work/r.json" 2>&1 | grep -E "^  constant|corrected|service  |generator|WARNING|result" || true

load; echo "== client CPU per request, closed loop, 64 connections, ${secs} s each"
cc -O2 -o "$work/curl_multi" "$root/bench/load/clients/curl_multi.c" -lcurl
cc -O2 -DH2O_USE_LIBUV=0 -o "$work/h2o_http1client" "$root/bench/load/clients/h2o_http1client.c" -lh2o-evloop -lssl -lcrypto -lpthread
taskset -c 1 "$work/curl_multi" "$url" 64 "$secs"
taskset -c 1 "$work/h2o_http1client" 127.0.0.1 "$port" "$path" 64 "$secs"
printf 'config:\n  target: "http://127.0.0.1:%s"\nstages:\n  - {duration: 0.01, target: 64}\n  - {duration: %s, target: 64}\nscenarios:\n  - flow:\n      - get: {url: "%s"}\n' \
  "$port" "$secs" "$path" >"$work/c.yml"
/usr/bin/time -o "$work/time" -f "%U %S" taskset -c 1 "$isla" load "$work/c.yml" --quiet --report "$work/c.json" >/dev/null
python3 - "$work/c.json" "$work/time" <<'EOP'
import json, sys
r = json.load(open(sys.argv[1])); u, s = map(float, open(sys.argv[2]).read().split()[-2:])
n = r["total"]["responses"]
print(f"isla-load closed: {n} requests in {r['duration_s']:.2f} s = {n / r['duration_s']:.0f}/s, client CPU {u + s:.2f} s = {(u + s) * 1e6 / n:.1f} us/request")
EOP

if [ -n "${ARTILLERY_DIR:-}" ] && [ -x "$ARTILLERY_DIR/node_modules/.bin/artillery" ]; then
  arate=$((rate / 10))
  load; echo "== Artillery $("$ARTILLERY_DIR/node_modules/.bin/artillery" version 2>/dev/null | grep -i 'artillery' | head -1) at ${arate}/s for ${secs} s"
  plan "$arate" "$secs" | sed '/http: {pool/d' >"$work/a.yml"
  start=$(date +%s.%N)
  taskset -c 1 "$ARTILLERY_DIR/node_modules/.bin/artillery" run --quiet "$work/a.yml" --output "$work/a.json" >"$work/a.log" 2>&1 || true
  end=$(date +%s.%N)
  python3 - "$work/a.json" "$start" "$end" "$arate" "$secs" <<'EOP'
import json, sys
a = json.load(open(sys.argv[1])); c = a["aggregate"]["counters"]; s = a["aggregate"].get("summaries", {}).get("http.response_time", {})
n = c.get("http.responses", 0); wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"artillery: asked {sys.argv[4]}/s for {sys.argv[5]} s; {n} responses in {wall:.1f} s wall = {n / wall:.0f}/s; "
      f"response_time p50 {s.get('median')} ms, p99 {s.get('p99')} ms (whole ms)")
EOP
  echo "== isla load at ${arate}/s for ${secs} s (same plan)"
  taskset -c 1 "$isla" load "$work/a.yml" --quiet | grep -E "^  constant|corrected"
fi
