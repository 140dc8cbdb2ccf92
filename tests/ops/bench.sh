#!/usr/bin/env bash
# HTTP throughput of `isla serve` with wrk, one serving core: the server is
# pinned to core 0 with --threads 1, wrk (1 thread, 64 keep-alive
# connections) to core 1. Prints one markdown row per run: requests/s and
# p99 from wrk --latency. Not a test (no pass/fail): the numbers go into
# docs/OPERATIONS.md with this command line.
#
#   tests/ops/bench.sh DATA_DIR [SECONDS]
#
# DATA_DIR holds an imported store, e.g. 2M offers:
#   build/isla gen --offers 2M --seed 1 --hotels ../shared/data/hotels.csv |
#     build/isla import --offers - --hotels ../shared/data/hotels.csv --data /tmp/isla-bench
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${1:?usage: tests/ops/bench.sh DATA_DIR [SECONDS]}
secs=${2:-10}
bin=${ISLA_BIN:-build/isla}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
q='earliestDepartureDate=2023-06-01&latestReturnDate=2023-08-31&duration=7&countAdults=2&countChildren=0&departureAirports=MUC,FRA,STR'
base="http://127.0.0.1:$port"
log=$(mktemp)
pid=

stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop; rm -f "$log" /tmp/isla-bench-access.log' EXIT

start() { # start ARGS...: the server on core 0
  stop
  taskset -c 0 "$bin" serve --data "$data" --host 127.0.0.1 --port "$port" --threads 1 --no-verify "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    curl -sf "$base/api/health" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "server did not start: $(tail -5 "$log")" >&2
  exit 1
}

run() { # run LABEL PATH [wrk header args...]
  local label=$1 path=$2; shift 2
  curl -s -o /dev/null "$@" "$base$path" # warm the cache (and the page cache)
  local out bytes
  out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency "$@" "$base$path")
  bytes=$(curl -s "$@" "$base$path" | wc -c)
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  local errs
  errs=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
  printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" "$p99" "$bytes" "${errs:-none}"
}

gz=(-H "Accept-Encoding: gzip")
echo "| run | req/s | p50 | p99 | body bytes | errors |"
echo "|---|---|---|---|---|---|"
start
run "health (floor: routing, headers, metrics)" "/api/health"
run "cached, limit=20" "/api/bestOffersByHotel?$q&limit=20"
run "cached, limit=20, gzip" "/api/bestOffersByHotel?$q&limit=20" "${gz[@]}"
run "cached, full answer" "/api/bestOffersByHotel?$q"
run "cached, full answer, gzip" "/api/bestOffersByHotel?$q" "${gz[@]}"
run "cached, full answer, br" "/api/bestOffersByHotel?$q" -H "Accept-Encoding: br"
etag=$(curl -s -D - -o /dev/null "$base/api/bestOffersByHotel?$q&limit=20" | awk -F': ' 'tolower($1)=="etag" {print $2}' | tr -d '\r')
run "304 (If-None-Match)" "/api/bestOffersByHotel?$q&limit=20" -H "If-None-Match: $etag"
run "/metrics scrape" "/metrics"
start --cache-size 0
run "uncached, limit=20" "/api/bestOffersByHotel?$q&limit=20"
run "uncached, limit=20, gzip" "/api/bestOffersByHotel?$q&limit=20" "${gz[@]}"
run "uncached, full answer" "/api/bestOffersByHotel?$q"
run "uncached, full answer, gzip" "/api/bestOffersByHotel?$q" "${gz[@]}"
start --rate-limit 100000000/s
run "cached, limit=20, rate limit on" "/api/bestOffersByHotel?$q&limit=20"
start --access-log full --access-log-file /tmp/isla-bench-access.log
run "cached, limit=20, access log full" "/api/bestOffersByHotel?$q&limit=20"
start --access-log sampled:100 --access-log-file /tmp/isla-bench-access.log
run "cached, limit=20, access log sampled:100" "/api/bestOffersByHotel?$q&limit=20"
start --cache-size 0
run "uncached, full answer, br only (quality 1)" "/api/bestOffersByHotel?$q" -H "Accept-Encoding: br"
