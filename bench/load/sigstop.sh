#!/usr/bin/env bash
# bench/load/sigstop.sh DATA_DIR [RATE] — coordinated omission, shown: isla
# serve is stopped (SIGSTOP) for one second in the middle of a 10 s
# constant-rate run with a pool of 16 connections, then isla load's
# corrected latency (from the scheduled send time) is printed beside the
# uncorrected service time, and beside wrk (closed loop) under the same stall.
set -euo pipefail
data=${1:?usage: sigstop.sh DATA_DIR [RATE]}
rate=${2:-2000}
root=$(cd "$(dirname "$0")/../.." && pwd)
isla=${ISLA:-$root/build/isla}
work=$(mktemp -d /tmp/isla-load-sigstop-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
path="/bestOffersByHotel?earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-20&duration=7&countAdults=2&countChildren=0&limit=20"
taskset -c 0 "$isla" serve --data "$data" --host 127.0.0.1 --port "$port" --threads 1 >"$work/serve.log" 2>&1 &
srv=$!
trap 'kill -CONT $srv 2>/dev/null; kill $srv 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port$path" && break; sleep 0.1; done
cat >"$work/p.yml" <<EOP
config:
  target: "http://127.0.0.1:$port"
  phases:
    - {name: constant, duration: 10, arrivalRate: $rate}
  http: {pool: 16}
scenarios:
  - flow:
      - get: {url: "$path"}
EOP
stall() { sleep 4; kill -STOP $srv; sleep 1; kill -CONT $srv; }
stall &
st=$!
taskset -c 1 "$isla" load "$work/p.yml" --quiet | grep -E "latency ms|corrected|service  |errors:"
wait $st
echo "-- wrk -t1 -c16 -d10s, the same 1 s stall after 4 s"
stall &
st=$!
taskset -c 1 wrk -t1 -c16 -d10s --latency "http://127.0.0.1:$port$path" | grep -E "Requests/sec|Latency |99%"
wait $st
