#!/usr/bin/env bash
# A whole isla fleet on one machine, on loopback ports, from the templates
# in deploy/: Redis (the shared cache), one builder per shard (imports and
# ships generations), N replicas per shard (follow their builder, share
# Redis) and nginx in front (least_conn, retries, sharding by destination).
#
#   scripts/cluster.sh up [options]    start it; the last line printed is nginx's URL
#   scripts/cluster.sh status          one line per process:
#                                      ROLE PID PORT [shard=K generation=G] up|down
#   scripts/cluster.sh import [--seed S]
#                                      a new generation on every builder (then
#                                      the replicas pull it, one poll later)
#   scripts/cluster.sh down            stop every process (the data stays)
#
# Options of up:
#   --dir DIR          state, data and logs (default: $ISLA_CLUSTER_DIR or
#                      /tmp/isla-cluster-$USER); also taken by status/import/down
#   --replicas N       replicas per shard (default 2)
#   --shards S         shards (default 1); with S > 1 the dump spans
#                      --destinations and shard K imports (isla import
#                      --destinations) the destinations at
#                      positions K, K+S, ... of that list
#   --destinations L   destinations of the dump (default: PMI,IBZ,AYT,HER when
#                      S > 1, else Mallorca with ../shared/data/hotels.csv)
#   --offers N         rows of the generated dump (default 200000)
#   --seed S           its seed (default 1)
#   --threads T        threads of each isla process (default 1)
#   --follow-interval D  how often replicas poll their builder (default 1s)
#   --redis-memory M   Redis maxmemory (default 256mb)
#
# Everything listens on 127.0.0.1 only; ports are free ones picked at start.
# No process needs root; nothing uses systemd or a default port.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${ISLA_BIN:-$root/build/isla}
cmd=${1:-}
[ $# -gt 0 ] && shift

dir=${ISLA_CLUSTER_DIR:-/tmp/isla-cluster-${USER:-$(id -un)}}
replicas=2
shards=1
destinations=
offers=200000
seed=1
threads=1
follow_interval=1s
redis_memory=256mb
seed_set=

die() { echo "cluster.sh: $*" >&2; exit 2; }
need() { [ $# -ge 2 ] || die "$1 needs a value"; }

while [ $# -gt 0 ]; do
  case $1 in
    --dir) need "$@"; dir=$2; shift 2 ;;
    --replicas) need "$@"; replicas=$2; shift 2 ;;
    --shards) need "$@"; shards=$2; shift 2 ;;
    --destinations) need "$@"; destinations=$2; shift 2 ;;
    --offers) need "$@"; offers=$2; shift 2 ;;
    --seed) need "$@"; seed=$2; seed_set=1; shift 2 ;;
    --threads) need "$@"; threads=$2; shift 2 ;;
    --follow-interval) need "$@"; follow_interval=$2; shift 2 ;;
    --redis-memory) need "$@"; redis_memory=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ $replicas =~ ^[1-9][0-9]*$ ]] || die "--replicas must be a positive number, got '$replicas'"
[[ $shards =~ ^[1-9][0-9]*$ ]] || die "--shards must be a positive number, got '$shards'"
[[ $threads =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive number, got '$threads'"

state=$dir/cluster.state
hotels_shared=$(cd "$root/.." && pwd)/shared/data/hotels.csv

# ---- helpers ---------------------------------------------------------------

free_ports() { # free_ports N: N distinct free loopback ports
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
}

render() { # render TEMPLATE OUT NAME=VALUE...: replaces every {{NAME}}
  python3 - "$@" <<'PY'
import sys
src, out, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
text = open(src).read()
for p in pairs:
    k, v = p.split("=", 1)
    text = text.replace("{{" + k + "}}", v)
if "{{" in text:
    raise SystemExit(f"render: {src}: unreplaced placeholder near {text[text.index('{{'):][:30]!r}")
open(out, "w").write(text)
PY
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }

wait_ready() { # wait_ready NAME URL PID SECONDS
  local name=$1 url=$2 pid=$3 t=$4 i
  for ((i = 0; i < t * 10; i++)); do
    [ "$(http_code "$url")" = 200 ] && return 0
    kill -0 "$pid" 2>/dev/null || { echo "cluster.sh: $name (pid $pid) exited; see $dir/logs/$name.log" >&2; tail -5 "$dir/logs/$name.log" >&2; return 1; }
    sleep 0.1
  done
  echo "cluster.sh: $name not ready after $t s ($url); see $dir/logs/$name.log" >&2
  return 1
}

record() { echo "$*" >>"$state"; } # ROLE PID PORT SHARD NAME

token() { cat "$dir/admin.token"; }

# The destinations of shard K: positions K, K+S, ... of the list.
shard_dests() {
  local k=$1 i=0 out=() d
  IFS=, read -ra all <<<"$destinations"
  for d in "${all[@]}"; do
    [ $((i % shards)) -eq "$k" ] && out+=("$d")
    i=$((i + 1))
  done
  (IFS=,; echo "${out[*]}")
}

# Writes the dump of seed $1 and its hotels file DIR/data/hotels.csv: one
# destination (DIR/data/dump-0.csv), or several (DIR/data/dump-all.csv, of
# which each shard's builder imports its destinations).
make_dumps() {
  local s=$1 k
  mkdir -p "$dir/data"
  if [ "$shards" -eq 1 ] && [ -z "$destinations" ]; then
    "$bin" gen --offers "$offers" --seed "$s" --hotels "$hotels_shared" --out "$dir/data/dump-0.csv"
    cp "$hotels_shared" "$dir/data/hotels.csv"
    return
  fi
  "$bin" gen --offers "$offers" --seed "$s" --destinations "$destinations" \
    --hotels-out "$dir/data/hotels.csv" --out "$dir/data/dump-all.csv"
}

import_into() { # import_into K: shard K's destinations of the dump -> builder-K's data directory
  local k=$1 args=(--offers "$dir/data/dump-0.csv")
  if [ -f "$dir/data/dump-all.csv" ]; then
    args=(--offers "$dir/data/dump-all.csv" --destinations "$(shard_dests "$k")")
  fi
  "$bin" import "${args[@]}" --hotels "$dir/data/hotels.csv" \
    --data "$dir/builder-$k" --quiet >>"$dir/logs/import-$k.log" 2>&1 \
    || { echo "cluster.sh: import for shard $k failed; see $dir/logs/import-$k.log" >&2; return 1; }
}

# ---- up ----------------------------------------------------------------------

up() {
  [ -x "$bin" ] || die "no isla binary at $bin (run make)"
  for t in redis-server nginx curl python3; do command -v "$t" >/dev/null || die "$t missing (scripts/setup.sh installs it)"; done
  if [ -f "$state" ] && any_alive; then die "a fleet is already running in $dir (cluster.sh down --dir $dir)"; fi
  if [ "$shards" -gt 1 ] && [ -z "$destinations" ]; then destinations=PMI,IBZ,AYT,HER; fi
  if [ -n "$destinations" ]; then
    IFS=, read -ra dl <<<"$destinations"
    [ "${#dl[@]}" -ge "$shards" ] || die "--shards $shards needs at least $shards destinations, got '$destinations'"
  fi
  mkdir -p "$dir/logs" "$dir/nginx-tmp"
  : >"$state"
  printf '%s\n' "replicas=$replicas" "shards=$shards" "destinations=$destinations" "offers=$offers" \
    "seed=$seed" >"$dir/cluster.conf"
  [ -f "$dir/admin.token" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/admin.token"
  chmod 600 "$dir/admin.token"
  local n=$((2 + shards + shards * replicas)) ports
  read -ra ports <<<"$(free_ports "$n")"
  local redis_port=${ports[0]} nginx_port=${ports[1]} next=2 k i

  # Redis
  render "$root/deploy/redis/isla-cache.conf.template" "$dir/redis.conf" BIND=127.0.0.1 PORT="$redis_port" \
    DIR="$dir" MAXMEMORY="$redis_memory" REQUIREPASS=""
  redis-server "$dir/redis.conf" >>"$dir/logs/redis.log" 2>&1 &
  record redis $! "$redis_port" - redis

  # Builders: import (if the data directory has no generation yet), serve.
  if [ ! -f "$dir/builder-0/CURRENT" ]; then make_dumps "$seed"; fi
  local builder_ports=()
  for ((k = 0; k < shards; k++)); do
    [ -f "$dir/builder-$k/CURRENT" ] || import_into "$k"
    local p=${ports[$next]}; next=$((next + 1)); builder_ports+=("$p")
    ISLA_ADMIN_TOKEN=$(token) nohup "$bin" serve --data "$dir/builder-$k" --host 127.0.0.1 --port "$p" \
      --threads "$threads" >>"$dir/logs/builder-$k.log" 2>&1 &
    record builder $! "$p" "$k" "builder-$k"
  done

  # Replicas: start empty (or with what they pulled before) and follow.
  for ((k = 0; k < shards; k++)); do
    for ((i = 0; i < replicas; i++)); do
      local p=${ports[$next]}; next=$((next + 1))
      ISLA_ADMIN_TOKEN=$(token) ISLA_FOLLOW_TOKEN=$(token) nohup "$bin" serve --data "$dir/replica-$k-$i" \
        --host 127.0.0.1 --port "$p" --threads "$threads" --follow "http://127.0.0.1:${builder_ports[$k]}" \
        --follow-interval "$follow_interval" --redis "redis://127.0.0.1:$redis_port" \
        >>"$dir/logs/replica-$k-$i.log" 2>&1 &
      record replica $! "$p" "$k" "replica-$k-$i"
    done
  done

  # nginx
  local upstreams="" map="" r
  for ((k = 0; k < shards; k++)); do
    upstreams+="    upstream isla_shard_$k {"$'\n'"        least_conn;"$'\n'
    while read -r role pid port shard name; do
      [ "$role" = replica ] && [ "$shard" = "$k" ] && upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=2s;"$'\n'
    done <"$state"
    upstreams+="        keepalive 32;"$'\n'"    }"$'\n'
    if [ "$shards" -gt 1 ]; then
      r=$(shard_dests "$k" | tr , '|')
      map+="        \"~*^($r)\$\" isla_shard_$k;"$'\n'
    fi
  done
  render "$root/deploy/nginx/isla.conf.template" "$dir/nginx.conf" WORKERS=1 DIR="$dir" \
    ACCESS_LOG="off" UPSTREAMS="$upstreams" ADMIN_SERVER="127.0.0.1:${builder_ports[0]}" DEFAULT_SHARD=0 \
    SHARD_MAP="$map" LISTEN="127.0.0.1:$nginx_port"
  nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" \
    || die "nginx refuses $dir/nginx.conf"
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" -g 'daemon off;' >>"$dir/logs/nginx.log" 2>&1 &
  record nginx $! "$nginx_port" - nginx

  # Ready: every builder serving, every replica has pulled, nginx answers.
  while read -r role pid port shard name; do
    case $role in
      builder|replica) wait_ready "$name" "http://127.0.0.1:$port/api/health" "$pid" 120 || { down; exit 1; } ;;
    esac
  done <"$state"
  wait_ready nginx "http://127.0.0.1:$nginx_port/api/health" "$(awk '$1=="nginx"{print $2}' "$state")" 20 \
    || { down; exit 1; }
  echo "fleet: redis :$redis_port, $shards builder(s), $((shards * replicas)) replica(s), nginx :$nginx_port ($dir)" >&2
  echo "http://127.0.0.1:$nginx_port"
}

# ---- status, import, down ------------------------------------------------------

any_alive() {
  local role pid rest
  while read -r role pid rest; do kill -0 "$pid" 2>/dev/null && return 0; done <"$state"
  return 1
}

status() {
  [ -f "$state" ] || die "no fleet in $dir"
  local role pid port shard name alive gen
  while read -r role pid port shard name; do
    alive=down
    kill -0 "$pid" 2>/dev/null && alive=up
    case $role in
      replica|builder)
        gen=$(curl -s --max-time 2 "http://127.0.0.1:$port/api/health" 2>/dev/null \
          | python3 -c 'import json,sys; g=json.load(sys.stdin).get("generation"); print(g if g is not None else "-")' \
          2>/dev/null || echo -)
        echo "$role $pid $port shard=$shard generation=$gen $alive" ;;
      *) echo "$role $pid $port $alive" ;;
    esac
  done <"$state"
}

import_new() {
  [ -f "$state" ] || die "no fleet in $dir"
  local given=$seed
  # shellcheck disable=SC1091
  . "$dir/cluster.conf"
  if [ -n "$seed_set" ]; then seed=$given; else seed=$((seed + 1)); fi
  sed -i "s/^seed=.*/seed=$seed/" "$dir/cluster.conf"
  make_dumps "$seed"
  local role pid port shard name
  while read -r role pid port shard name; do
    [ "$role" = builder ] || continue
    import_into "$shard"
    curl -fsS -X POST --max-time 120 -H "Authorization: Bearer $(token)" \
      "http://127.0.0.1:$port/api/admin/reload" >/dev/null || die "reload of $name failed"
    echo "$name: $(curl -s "http://127.0.0.1:$port/api/health" | python3 -c 'import json,sys; print("generation", json.load(sys.stdin)["generation"])')"
  done <"$state"
}

down() {
  [ -f "$state" ] || return 0
  local role pid rest i
  # nginx first (no new requests), then the isla processes, then Redis.
  for want in nginx replica builder redis; do
    while read -r role pid rest; do
      [ "$role" = "$want" ] && kill -TERM "$pid" 2>/dev/null || true
    done <"$state"
  done
  for ((i = 0; i < 100; i++)); do any_alive || break; sleep 0.1; done
  while read -r role pid rest; do kill -KILL "$pid" 2>/dev/null || true; done <"$state"
  rm -f "$state"
}

case $cmd in
  up) up ;;
  status) status ;;
  import) import_new ;;
  down) down ;;
  *) echo "usage: scripts/cluster.sh up|status|import|down [options] (see --help)" >&2; exit 2 ;;
esac
