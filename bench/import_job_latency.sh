#!/usr/bin/env bash
# Search latency while an import runs (issue 14): p50/p99 of uncached
# searches over HTTP, measured with wrk, in three situations on the same
# server and the same search mix:
#
#   idle        no import
#   job         an import job (POST /api/admin/imports) running inside the
#               server at SCHED_IDLE / nice 19 / idle I/O (its threads
#               inherit all three)
#   cli         for contrast, `isla import` of the same dump as a separate
#               process at normal priority
#
# The server serves SERVE_OFFERS offers with one serving thread and the
# result cache off (every request searches); wrk (1 thread, CONNS
# connections) replays the `isla bench --emit` mix of the typical class,
# pinned to core 1. The server and the imports are not pinned: an import is
# free to use both cores, which is what it would do in production. Not a
# test: prints a markdown table for docs/BENCHMARKS.md.
#
#   bench/import_job_latency.sh [SERVE_OFFERS] [IMPORT_OFFERS] [SECONDS] [CONNS]
#   defaults: 1M 10M 10 4
set -euo pipefail
cd "$(dirname "$0")/.."
serve_n=${1:-1M}
import_n=${2:-10M}
secs=${3:-10}
conns=${4:-4}
bin=${ISLA_BIN:-build/isla}
hotels=${ISLA_HOTELS:-../shared/data/hotels.csv}
hotels=$(realpath "$hotels")
work=$(mktemp -d /tmp/isla-import-latency-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-token-$$
base="http://127.0.0.1:$port"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" gen --offers "$serve_n" --seed 1 --hotels "$hotels" |
  "$bin" import --offers - --hotels "$hotels" --data "$work/data" --quiet 2>/dev/null
"$bin" gen --offers "$import_n" --seed 2 --hotels "$hotels" --out "$work/dump.csv"
"$bin" bench --data "$work/data" --searches 500 --emit "$work/mix.tsv" 2>/dev/null
awk -F'\t' '$1 == "typical" {print $2}' "$work/mix.tsv" >"$work/paths"
[ -s "$work/paths" ] || { echo "no typical searches in the emitted mix" >&2; exit 1; }

"$bin" serve --data "$work/data" --host 127.0.0.1 --port "$port" --threads 1 --cache-size 0 --no-verify \
  --admin-token "$token" --import-attempts 1 --max-body 64k >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.05; done

measure() { # measure LABEL: one wrk run, one table row
  local out
  out=$(WRK_PATHS="$work/paths" taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/wrk_mix.lua "$base")
  python3 - "$1" "$out" <<'EOF'
import json, sys
label, out = sys.argv[1], sys.argv[2]
j = json.loads(next(l for l in out.splitlines() if l.startswith("WRKJSON ")).split(" ", 1)[1])
errs = sum(v for k, v in j.items() if k.startswith("errors_"))
rps = j["requests"] / (j["duration_us"] / 1e6)
load = open("/proc/loadavg").read().split()[0]
print(f"| {label} | {rps:,.0f} | {j['p50_us'] / 1000:.2f} | {j['p90_us'] / 1000:.2f} | {j['p99_us'] / 1000:.2f} | "
      f"{j['max_us'] / 1000:.1f} | {errs} | {load} |")
EOF
}

job_field() { # job_field ID EXPR
  curl -s -H "Authorization: Bearer $token" "$base/api/admin/jobs/$1" | python3 -c "import json,sys; j=json.load(sys.stdin)['job']; print($2)"
}

echo "| situation | searches/s | p50 ms | p90 ms | p99 ms | max ms | errors | load (1 min) |"
echo "|---|---|---|---|---|---|---|---|"
measure "warm-up (not counted)" >/dev/null
measure "idle: no import"

# The import job: submitted, then measured while it runs.
id=$(curl -s -H "Authorization: Bearer $token" -d "{\"offers\":\"$work/dump.csv\",\"hotels\":\"$hotels\"}" \
  "$base/api/admin/imports" | python3 -c "import json,sys; print(json.load(sys.stdin)['job']['id'])")
for _ in $(seq 200); do [ "$(job_field "$id" "j['status']")" = running ] && break; sleep 0.05; done
measure "import job running (SCHED_IDLE, in the server)"
state=$(job_field "$id" "j['status'] + ' at ' + str(j['progress']['percent']) + '%'")
for _ in $(seq 1200); do
  s=$(job_field "$id" "j['status']")
  [ "$s" = done ] || [ "$s" = dead ] && break
  sleep 0.25
done
secs_job=$(job_field "$id" "j['result']['seconds'] if j['result'] else j['error']")

# For contrast: the CLI import at normal priority, a separate process.
( "$bin" import --offers "$work/dump.csv" --hotels "$hotels" --data "$work/scratch" --quiet 2>/dev/null ) &
cli=$!
sleep 0.5
measure "isla import running (normal priority, separate process)"
wait "$cli" || true
measure "idle again"
echo
echo "import job $id: still $state when the measurement ended; its import took $secs_job s"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
