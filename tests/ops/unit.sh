#!/usr/bin/env bash
# Builds and runs the C unit tests of the serving modules (tests/ops/unit)
# against BUILD/libisla.a: `tests/ops/unit.sh build` or, for the sanitizer
# build, `tests/ops/unit.sh build/asan`. cmocka prints the summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
san=()
case "$build" in
  *asan*) san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer) ;;
esac
mkdir -p "$build/tests"
${CC:-cc} -Isrc -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -std=c17 -O1 -g -Wall -Wextra -Werror -pthread "${san[@]}" \
  tests/ops/unit/test_ops_units.c "$build/libisla.a" \
  -lh2o-evloop -lssl -lcrypto -lz -ldeflate -lbrotlienc -lbrotlidec -lcurl -lpthread -lm -lcmocka \
  -o "$build/tests/ops_units"
exec "$build/tests/ops_units"
