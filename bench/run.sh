#!/usr/bin/env bash
# bench/run.sh — reproduces the benchmark tables of docs/BENCHMARKS.md.
#
#   bench/run.sh [--sizes 1M,10M,100M] [--dests K] [--dests-full] [--skip-duckdb]
#                [--skip-sqlite] [--skip-http] [--sqlite-100m] [--keep] [--no-doc]
#
# For each size N (default 1M,10M; 100M only when asked: it takes long):
#   1. isla gen --offers N --seed 1 | isla import --offers -   (no CSV on disk)
#      -> import wall time, rows/s (wall and per CPU second of the importer),
#         store bytes on disk per offer
#   2. isla bench --searches $SEARCHES --threads 1,2 (engine figures,
#      in-process; throughput with one and with two search threads), and
#      isla bench --emit: the same mix as API requests, $FOREIGN_SEARCHES per
#      class (every bestOffersByHotel class, then hotel offers)
#   3. isla serve on one core (taskset -c 0, --threads 1): start-up time to
#      /api/health 200, the whole emitted mix once over HTTP (per-class
#      latency and server time from X-Response-Time, isla's answers for the
#      check), resident memory after it, then wrk on the other core
#      (taskset -c 1 wrk -t1 -c64 -d${WRK_SECONDS}s, keep-alive) over the
#      typical searches with &limit=20 and without limit (full answers,
#      MB/s) — result cache off (--cache-size 0), then on (the default 256M)
#   4. DuckDB (@duckdb/node-api, bench/package.json): the same dump read from a
#      named pipe fed by isla gen, DISTINCT rows, derived date columns; every
#      emitted search as SQL with SET threads=1 and with the default threads
#   5. SQLite (Python's sqlite3, a file database) with covering indexes;
#      skipped at 100M unless --sqlite-100m (loading takes hours)
#   6. DuckDB's and SQLite's answers compared with isla's, search by search
# With --dests K (2-20), each size is run a second time on a dump over the
# first K destinations of a fixed list of 20 (isla gen --destinations, the
# data of issue 10): steps 1-2 only (import, disk, engine figures), or
# every step with --dests-full.
# Then prints the tables and rewrites the Results section of
# docs/BENCHMARKS.md (unless --no-doc), and writes README.md's Performance
# tables in README's layout to $WORK/results/<stamp>/readme_tables.md.
#
# Environment: WORK (default /tmp/isla-bench-work: stores, databases, results;
# not /tmp/isla-bench, the data directory tests/ops/bench.sh suggests),
# ISLA (default build/isla; it is copied to $WORK first so a rebuild during
# the run changes nothing), SEARCHES (isla bench searches per class, 1000),
# FOREIGN_SEARCHES (per class for HTTP, DuckDB, SQLite; 300), WRK_SECONDS (10),
# DUCKDB_MEMORY (DuckDB memory_limit, 8GB).
#
# Every load test is bounded (wrk -d, timeouts) and goes to 127.0.0.1 only.
# Heavy phases run one after the other (the machine has 2 cores); the load
# average is recorded next to every phase, since the machine may be shared.
set -euo pipefail
# The rest of the script is one block, which bash reads whole before it runs
# any of it: a checkout or an edit of this file during a long run (git
# rebase in this worktree) cannot change or break the run.
{

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
HOTELS=$(cd "$ROOT/../shared/data" && pwd)/hotels.csv
WORK=${WORK:-/tmp/isla-bench-work}
SEARCHES=${SEARCHES:-1000}
FOREIGN_SEARCHES=${FOREIGN_SEARCHES:-300}
WRK_SECONDS=${WRK_SECONDS:-10}
DUCKDB_MEMORY=${DUCKDB_MEMORY:-8GB}
SIZES=1M,10M
SKIP_DUCKDB=0 SKIP_SQLITE=0 SKIP_HTTP=0 SQLITE_100M=0 KEEP=0 DOC=1 DESTS=0 DESTS_FULL=0
# the destinations of issue 10's benchmark, in order; --dests K takes the first K
DEST_LIST=PMI,IBZ,MAH,AYT,HER,RHO,KGS,CFU,ZTH,LPA,TFS,FUE,ACE,FAO,FNC,AGP,HRG,RMF,SSH,DJE

usage() { sed -n '2,42p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
    --sizes) SIZES=$2; shift ;;
    --sizes=*) SIZES=${1#--sizes=} ;;
    --skip-duckdb) SKIP_DUCKDB=1 ;;
    --skip-sqlite) SKIP_SQLITE=1 ;;
    --skip-http) SKIP_HTTP=1 ;;
    --sqlite-100m) SQLITE_100M=1 ;;
    --dests) DESTS=$2; shift ;;
    --dests=*) DESTS=${1#--dests=} ;;
    --dests-full) DESTS_FULL=1 ;;
    --keep) KEEP=1 ;;
    --no-doc) DOC=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

case "$DESTS" in
0) ;;
[2-9]|1[0-9]|20) ;;
*) echo "bench/run.sh: --dests: expected a number of destinations from 2 to 20, got '$DESTS'" >&2; exit 2 ;;
esac
if [ "$DESTS_FULL" = 1 ] && [ "$DESTS" = 0 ]; then
    echo "bench/run.sh: --dests-full needs --dests K" >&2; exit 2
fi
for SIZE in ${SIZES//,/ }; do
    case "$SIZE" in
    [0-9]*[0-9kKMG]) ;;
    *) echo "bench/run.sh: --sizes: '$SIZE' is not a row count like 1M or 500k" >&2; exit 2 ;;
    esac
done

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }
# N with a k/M/G suffix -> rows
rows_of() {
    local n=$1
    case "$n" in
    *k|*K) echo $(( ${n%?} * 1000 )) ;;
    *M) echo $(( ${n%?} * 1000000 )) ;;
    *G) echo $(( ${n%?} * 1000000000 )) ;;
    *) echo "$n" ;;
    esac
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [ -e "$WORK/CURRENT" ]; then
    echo "bench/run.sh: $WORK is an isla data directory, not a bench work directory; set WORK" >&2
    exit 2
fi
mkdir -p "$WORK"
STAMP=$(date +%Y%m%d-%H%M%S)
RES=$WORK/results/$STAMP
mkdir -p "$RES"
ISLA_SRC=${ISLA:-$ROOT/build/isla}
if [ ! -x "$ISLA_SRC" ]; then
    log "building isla"
    make -C "$ROOT" build/isla >&2
fi
ISLA=$WORK/bin/isla
mkdir -p "$WORK/bin"
cp "$ISLA_SRC" "$ISLA"

if [ "$SKIP_HTTP" = 0 ] && ! command -v wrk >/dev/null; then
    log "wrk is missing: apt-get install -y wrk"
    apt-get install -y wrk >&2 || { log "could not install wrk; HTTP throughput skipped"; }
fi
if [ "$SKIP_DUCKDB" = 0 ]; then
    log "npm ci (bench/: @duckdb/node-api)"
    # npm ci refuses a lock file without the other platforms' optional
    # bindings (npm records only the ones it could resolve here); then an
    # install from the same lock file, which it leaves unchanged.
    (cd "$BENCH" && { npm ci --no-audit --no-fund --loglevel=silent >&2 ||
        npm install --no-save --no-audit --no-fund --loglevel=error >&2; })
fi

# machine and run description
{
    echo "{"
    echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
    echo "\"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\","
    echo "\"cores\": $(nproc),"
    echo "\"ram_bytes\": $(awk '/MemTotal/{printf "%.0f", $2*1024}' /proc/meminfo),"
    echo "\"kernel\": \"$(uname -sr)\","
    echo "\"isla_commit\": \"$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo '+uncommitted src changes')\","
    echo "\"isla_version\": \"$("$ISLA" version 2>/dev/null | head -1)\","
    echo "\"isla_sha256\": \"$(sha256sum "$ISLA" | cut -c1-16)\","
    echo "\"duckdb\": \"$( [ "$SKIP_DUCKDB" = 0 ] && node -p "require('$BENCH/node_modules/@duckdb/node-api/package.json').version" || echo skipped)\","
    echo "\"sqlite\": \"$(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')\","
    echo "\"wrk\": \"$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2 || true)\","
    echo "\"searches\": $SEARCHES, \"foreign_searches\": $FOREIGN_SEARCHES, \"wrk_seconds\": $WRK_SECONDS,"
    echo "\"dests\": $DESTS, \"dests_full\": $DESTS_FULL,"
    echo "\"loadavg_start\": \"$(loadavg)\""
    echo "}"
} > "$RES/machine.json"
log "results in $RES (load average $(loadavg))"

SERVE_PID=
GEN_PID=
cleanup() {
    [ -n "$SERVE_PID" ] && python3 "$BENCH/serve_ctl.py" stop --pid "$SERVE_PID" || true
    [ -n "$GEN_PID" ] && kill "$GEN_PID" 2>/dev/null || true
    rm -f "$WORK"/offers.fifo
}
trap cleanup EXIT

# wrk over the lines of $1 into $2 (JSON), server on port $3
run_wrk() {
    local paths=$1 out=$2 port=$3 la
    la=$(loadavg)
    WRK_PATHS=$paths timeout $((WRK_SECONDS + 30)) taskset -c 1 wrk -t1 -c64 -d"${WRK_SECONDS}s" --latency \
        -s "$BENCH/wrk_mix.lua" "http://127.0.0.1:$port" > "$out.txt" 2>&1 || true
    sed -n 's/^WRKJSON //p' "$out.txt" | sed "s/}\$/,\"loadavg\":\"$la\"}/" > "$out"
    [ -s "$out" ] || echo "{\"error\":\"wrk failed, see $out.txt\"}" > "$out"
}

start_serve() { # $1 = dir, $2 = output json, $3 = result folder (serve.log), extra serve flags after
    local dir=$1 out=$2 logdir=$3 port
    shift 3
    port=$(free_port)
    python3 "$BENCH/serve_ctl.py" start --port "$port" --log "$logdir/serve.log" -- \
        taskset -c 0 "$ISLA" serve --data "$dir" --host 127.0.0.1 --port "$port" --threads 1 "$@" > "$out"
    SERVE_PID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$out")
    PORT=$port
}
stop_serve() { python3 "$BENCH/serve_ctl.py" stop --pid "$SERVE_PID"; SERVE_PID=; }

# One size of one data set: run_one SIZE LABEL FULL [DESTINATIONS]
#   LABEL names the result folder ($RES/LABEL) and the store; FULL=0 runs
#   only the import and the engine figures; DESTINATIONS (a list for isla
#   gen --destinations) replaces the Mallorca dump by a multi-destination
#   one, with its generated hotels.csv.
run_one() {
    local SIZE=$1 LABEL=$2 FULL=$3 DL=${4:-} N D STORE GENDIR HOT GEN_ARGS
    N=$(rows_of "$SIZE")
    D=$RES/$LABEL
    mkdir -p "$D"
    STORE=$WORK/isla-$LABEL
    if [ -n "$DL" ]; then
        HOT=$WORK/hotels-$LABEL.csv
        "$ISLA" gen --offers 0 --destinations "$DL" --hotels-out "$HOT" > /dev/null
        GEN_ARGS="--destinations $DL"
    else
        HOT=$HOTELS
        GEN_ARGS="--hotels $HOT"
    fi
    log "== $LABEL ($N offers${DL:+, destinations $DL}); free disk $(df -h --output=avail "$WORK" | tail -1 | tr -d ' ')"
    echo "{\"size\": \"$SIZE\", \"label\": \"$LABEL\", \"offers\": $N, \"destinations\": \"$DL\"," \
        "\"dests\": $( [ -n "$DL" ] && echo "$DL" | tr ',' '\n' | wc -l || echo 0), \"full\": $FULL," \
        "\"loadavg\": \"$(loadavg)\"}" > "$D/size.json"
    top -bn1 -w 160 2>/dev/null | head -15 > "$D/top_start.txt" || true

    # 1. import, streamed from the generator
    rm -rf "$STORE"
    log "import: isla gen --offers $N --seed 1 $GEN_ARGS | isla import --offers - (load $(loadavg))"
    python3 "$BENCH/timed_import.py" --log "$D/import.log" \
        --gen "$ISLA gen --offers $N --seed 1 $GEN_ARGS" \
        --import "$ISLA import --offers - --hotels $HOT --data $STORE" > "$D/import_time.json"
    GENDIR=$STORE/$(cat "$STORE/CURRENT")
    cp "$GENDIR/import.json" "$D/import.json"
    {
        echo "{\"generation_dir_bytes\": $(du -sb "$GENDIR" | cut -f1),"
        echo " \"offers_file_bytes\": $(stat -c %s "$GENDIR/offers.isla"),"
        echo " \"files\": \"$(cd "$GENDIR" && ls | tr '\n' ' ')\"}"
    } > "$D/store.json"
    tail -3 "$D/import.log" | sed 's/^/  /' >&2

    # 2. engine figures (throughput with one and with two search threads),
    #    and the same mix as requests
    log "isla bench --searches $SEARCHES --threads 1,2 (load $(loadavg))"
    echo "{\"loadavg_start\": \"$(loadavg)\"," > "$D/bench_load.json"
    "$ISLA" bench --data "$STORE" --searches "$SEARCHES" --threads 1,2 > "$D/isla_bench.txt"
    echo " \"loadavg_end\": \"$(loadavg)\"}" >> "$D/bench_load.json"
    sed 's/^/  /' "$D/isla_bench.txt" >&2
    "$ISLA" bench --data "$STORE" --searches "$FOREIGN_SEARCHES" --emit "$D/mix.tsv"
    awk -F'\t' '$1=="typical"{print $2"&limit=20"}' "$D/mix.tsv" > "$D/typical_limit20.txt"
    awk -F'\t' '$1=="typical"{print $2}' "$D/mix.tsv" > "$D/typical_full.txt"

    # 3. HTTP
    if [ "$FULL" = 1 ] && [ "$SKIP_HTTP" = 0 ]; then
        log "isla serve --no-verify: start-up"
        start_serve "$STORE" "$D/startup_noverify.json" "$D" --no-verify --cache-size 0
        stop_serve
        log "isla serve (checksums verified, result cache off): start-up, mix over HTTP, RSS"
        start_serve "$STORE" "$D/startup.json" "$D" --cache-size 0
        python3 "$BENCH/serve_ctl.py" rss --pid "$SERVE_PID" > "$D/rss_ready.json"
        python3 "$BENCH/http_mix.py" --port "$PORT" --mix "$D/mix.tsv" --out "$D/http.json" --digest "$D/isla.digest"
        python3 "$BENCH/serve_ctl.py" rss --pid "$SERVE_PID" > "$D/rss.json"
        if command -v wrk >/dev/null; then
            log "wrk typical limit=20, cache off (load $(loadavg))"
            run_wrk "$D/typical_limit20.txt" "$D/wrk_limit20_nocache.json" "$PORT"
            log "wrk typical full answers, cache off (load $(loadavg))"
            run_wrk "$D/typical_full.txt" "$D/wrk_full_nocache.json" "$PORT"
            python3 "$BENCH/serve_ctl.py" rss --pid "$SERVE_PID" > "$D/rss_after_wrk.json"
        fi
        stop_serve
        if command -v wrk >/dev/null; then
            start_serve "$STORE" "$D/startup_cache.json" "$D" --no-verify
            log "wrk typical limit=20, result cache on (load $(loadavg))"
            run_wrk "$D/typical_limit20.txt" "$D/wrk_limit20_cache.json" "$PORT"
            log "wrk typical full answers, result cache on (load $(loadavg))"
            run_wrk "$D/typical_full.txt" "$D/wrk_full_cache.json" "$PORT"
            stop_serve
        fi
    fi

    # 4. DuckDB
    if [ "$FULL" = 1 ] && [ "$SKIP_DUCKDB" = 0 ]; then
        DUCK=$WORK/duckdb-$LABEL.duckdb
        rm -f "$DUCK" "$DUCK.wal" "$WORK/offers.fifo"
        mkfifo "$WORK/offers.fifo"
        log "DuckDB load from a named pipe (load $(loadavg))"
        # shellcheck disable=SC2086 # GEN_ARGS is two words
        "$ISLA" gen --offers "$N" --seed 1 $GEN_ARGS > "$WORK/offers.fifo" &
        GEN_PID=$!
        node "$BENCH/duckdb_bench.mjs" load --db "$DUCK" --csv "$WORK/offers.fifo" --hotels "$HOT" \
            --memory-limit "$DUCKDB_MEMORY" --tmp "$WORK/duckdb.tmp" > "$D/duckdb_load.json"
        wait "$GEN_PID"; GEN_PID=
        rm -f "$WORK/offers.fifo"; rm -rf "$WORK/duckdb.tmp"
        echo "{\"bytes\": $(stat -c %s "$DUCK")}" > "$D/duckdb_size.json"
        log "DuckDB queries, threads=1 and default (load $(loadavg))"
        node "$BENCH/duckdb_bench.mjs" query --db "$DUCK" --mix "$D/mix.tsv" --out "$D/duckdb.json" \
            --digest "$D/duckdb.digest" --threads 1,0
        [ -f "$D/isla.digest" ] && python3 "$BENCH/verify.py" --mix "$D/mix.tsv" --isla "$D/isla.digest" \
            --other "$D/duckdb.digest" --name duckdb --out "$D/verify_duckdb.json" || true
        [ "$KEEP" = 1 ] || rm -f "$DUCK" "$DUCK.wal"
    fi

    # 5. SQLite
    if [ "$FULL" = 1 ] && [ "$SKIP_SQLITE" = 0 ] && { [ "$N" -lt 100000000 ] || [ "$SQLITE_100M" = 1 ]; }; then
        SQ=$WORK/sqlite-$LABEL.db
        rm -f "$SQ"
        log "SQLite load and indexes (load $(loadavg))"
        # shellcheck disable=SC2086
        "$ISLA" gen --offers "$N" --seed 1 $GEN_ARGS |
            TMPDIR=$WORK python3 "$BENCH/sqlite_bench.py" load --db "$SQ" --hotels "$HOT" > "$D/sqlite_load.json"
        echo "{\"bytes\": $(stat -c %s "$SQ")}" > "$D/sqlite_size.json"
        log "SQLite queries (load $(loadavg))"
        python3 "$BENCH/sqlite_bench.py" query --db "$SQ" --mix "$D/mix.tsv" --out "$D/sqlite.json" --digest "$D/sqlite.digest"
        [ -f "$D/isla.digest" ] && python3 "$BENCH/verify.py" --mix "$D/mix.tsv" --isla "$D/isla.digest" \
            --other "$D/sqlite.digest" --name sqlite --out "$D/verify_sqlite.json" || true
        [ "$KEEP" = 1 ] || rm -f "$SQ"
    elif [ "$FULL" = 1 ] && [ "$SKIP_SQLITE" = 0 ]; then
        echo '{"skipped": "SQLite at 100M takes hours to load: pass --sqlite-100m"}' > "$D/sqlite_skipped.json"
    fi
    [ "$KEEP" = 1 ] || rm -rf "$STORE"
    echo "{\"loadavg_end\": \"$(loadavg)\"}" > "$D/end.json"
}

for SIZE in ${SIZES//,/ }; do
    run_one "$SIZE" "$SIZE" 1
    if [ "$DESTS" != 0 ]; then
        run_one "$SIZE" "$SIZE-dests$DESTS" "$DESTS_FULL" "$(echo "$DEST_LIST" | cut -d, -f1-"$DESTS")"
    fi
done

log "report"
if [ "$DOC" = 1 ]; then
    python3 "$BENCH/report.py" --doc "$ROOT/docs/BENCHMARKS.md" --readme "$RES/readme_tables.md" "$RES"
else
    python3 "$BENCH/report.py" --readme "$RES/readme_tables.md" "$RES"
fi
log "README.md's Performance tables from this run: $RES/readme_tables.md"
exit
}
