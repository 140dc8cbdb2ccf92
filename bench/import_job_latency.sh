#!/usr/bin/env bash
# Search latency while an import runs (issue 14): p50/p99 of uncached
# searches over HTTP, measured with wrk, with and without an import:
#
#   job     an import job (POST /api/admin/imports) running inside the
#           server at SCHED_IDLE / nice 19 / idle I/O (its threads inherit
#           all three)
#   cli     for contrast, `isla import` of the same dump as a separate
#           process at normal priority, and the same at idle priority
#           (chrt --idle, nice 19, ionice -c 3): what the job would cost if
#           it ran in a child process instead of the server's own
#
# Windows alternate — no import, import, no import, import ... — ROUNDS
# times for each kind, so each pair of windows sees the same background
# load (this machine is shared; its load is printed with every window).
# The job is cancelled (DELETE) at the end of its window and retried
# (POST .../retry) for the next one; the CLI import is killed and started
# again. The summary is the median over the windows of each situation.
#
# The server serves SERVE_OFFERS offers with one serving thread and the
# result cache off (every request searches); wrk (1 thread, CONNS
# connections, pinned to core 1) replays the typical class of the
# `isla bench --emit` mix. The server and the imports are not pinned: an
# import may use both cores, as it would in production. Not a test: prints
# markdown for docs/BENCHMARKS.md.
#
#   bench/import_job_latency.sh [SERVE_OFFERS] [IMPORT_OFFERS] [SECONDS] [CONNS] [ROUNDS]
#   defaults: 1M 10M 5 4 4
set -euo pipefail
cd "$(dirname "$0")/.."
serve_n=${1:-1M}
import_n=${2:-10M}
secs=${3:-5}
conns=${4:-4}
rounds=${5:-4}
bin=${ISLA_BIN:-build/isla}
hotels=${ISLA_HOTELS:-../shared/data/hotels.csv}
hotels=$(realpath "$hotels")
work=$(mktemp -d /tmp/isla-import-latency-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-token-$$
base="http://127.0.0.1:$port"
pid=
cli=
cleanup() {
  if [ -n "$cli" ]; then kill "$cli" 2>/dev/null || true; wait "$cli" 2>/dev/null || true; fi
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
  --admin-token "$token" --import-attempts 1 >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 200); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.05; done

rows="$work/rows.tsv"
: >"$rows"
measure() { # measure SITUATION: one wrk window, one table row (and a line in $rows)
  local out
  out=$(WRK_PATHS="$work/paths" taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/wrk_mix.lua "$base")
  python3 - "$1" "$out" "$rows" <<'EOF'
import json, sys
label, out, rows = sys.argv[1], sys.argv[2], sys.argv[3]
j = json.loads(next(l for l in out.splitlines() if l.startswith("WRKJSON ")).split(" ", 1)[1])
errs = sum(v for k, v in j.items() if k.startswith("errors_"))
rps = j["requests"] / (j["duration_us"] / 1e6)
load = open("/proc/loadavg").read().split()[0]
print(f"| {label} | {rps:,.0f} | {j['p50_us'] / 1000:.2f} | {j['p90_us'] / 1000:.2f} | {j['p99_us'] / 1000:.2f} | "
      f"{j['max_us'] / 1000:.1f} | {errs} | {load} |")
with open(rows, "a") as f:
    f.write(f"{label}\t{rps}\t{j['p50_us']}\t{j['p99_us']}\n")
EOF
}

admin() { # admin METHOD PATH [BODY]: prints the job's status
  curl -s -X "$1" -H "Authorization: Bearer $token" ${3:+-d "$3"} "$base$2" |
    python3 -c "import json,sys; j=json.load(sys.stdin)['job']; print(j['id'], j['status'], j['progress']['percent'])"
}
wait_status() { # wait_status ID STATUS
  for _ in $(seq 400); do
    [ "$(admin GET "/api/admin/jobs/$1" | cut -d' ' -f2)" = "$2" ] && return 0
    sleep 0.05
  done
  echo "job $1 never became $2" >&2
  exit 1
}

echo "| window | searches/s | p50 ms | p90 ms | p99 ms | max ms | errors | load (1 min) |"
echo "|---|---|---|---|---|---|---|---|"
measure "warm-up (not counted)" >/dev/null
id=
for r in $(seq "$rounds"); do
  measure "no import"
  if [ -z "$id" ]; then
    id=$(admin POST /api/admin/imports "{\"offers\":\"$work/dump.csv\",\"hotels\":\"$hotels\"}" | cut -d' ' -f1)
  else
    admin POST "/api/admin/jobs/$id/retry" >/dev/null
  fi
  wait_status "$id" running
  measure "import job (SCHED_IDLE, in the server)"
  admin DELETE "/api/admin/jobs/$id" >/dev/null
  wait_status "$id" cancelled
done
for r in $(seq "$rounds"); do
  measure "no import"
  "$bin" import --offers "$work/dump.csv" --hotels "$hotels" --data "$work/scratch-$r" --quiet >/dev/null 2>&1 &
  cli=$!
  sleep 0.3
  measure "isla import (normal priority, separate process)"
  kill "$cli" 2>/dev/null || true
  wait "$cli" 2>/dev/null || true
  cli=
  rm -rf "$work/scratch-$r"
done

for r in $(seq "$rounds"); do
  measure "no import"
  chrt --idle 0 nice -n 19 ionice -c 3 \
    "$bin" import --offers "$work/dump.csv" --hotels "$hotels" --data "$work/scratch-$r" --quiet >/dev/null 2>&1 &
  cli=$!
  sleep 0.3
  measure "isla import at idle priority (separate process)"
  kill "$cli" 2>/dev/null || true
  wait "$cli" 2>/dev/null || true
  cli=
  rm -rf "$work/scratch-$r"
done

# How long the import takes inside the server with nothing else running.
admin POST "/api/admin/jobs/$id/retry" >/dev/null
t0=$(date +%s.%N)
for _ in $(seq 1200); do
  s=$(admin GET "/api/admin/jobs/$id" | cut -d' ' -f2)
  [ "$s" = done ] || [ "$s" = dead ] && break
  sleep 0.25
done
t1=$(date +%s.%N)

echo
python3 - "$rows" <<'EOF'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    label, rps, p50, p99 = line.rstrip("\n").split("\t")
    if label.startswith("warm-up"):
        continue
    by.setdefault(label, []).append((float(rps), float(p50) / 1000, float(p99) / 1000))
print("| situation (median of the windows) | windows | searches/s | p50 ms | p99 ms |")
print("|---|---|---|---|---|")
for label, v in by.items():
    med = [statistics.median(x[i] for x in v) for i in range(3)]
    print(f"| {label} | {len(v)} | {med[0]:,.0f} | {med[1]:.2f} | {med[2]:.2f} |")
EOF
echo
echo "import job $id alone (no search load): $s in $(python3 -c "print(f'{$t1 - $t0:.1f}')") s"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
