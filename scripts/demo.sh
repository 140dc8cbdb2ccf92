#!/usr/bin/env bash
# Installs what is needed, builds isla, generates ~2M realistic demo offers,
# imports them with the real hotels and serves the API and web UI on
# http://localhost:8090 (Ctrl-C stops it). Run again: it reuses the data.
#   ISLA_DEMO_OFFERS=10M scripts/demo.sh   # a bigger demo
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
make -j"$(nproc)" build/isla
offers=${ISLA_DEMO_OFFERS:-2M}
data=demo-data
hotels=../shared/data/hotels.csv
[ -f "$hotels" ] || { echo "demo: $hotels not found (the shared data folder sits beside the repo)" >&2; exit 1; }
if [ ! -f "$data/CURRENT" ]; then
  build/isla gen --offers "$offers" --seed 1 --hotels "$hotels" |
    build/isla import --offers - --hotels "$hotels" --data "$data"
fi
exec build/isla serve --data "$data" --port "${ISLA_PORT:-8090}"
