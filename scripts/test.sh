#!/usr/bin/env bash
# Installs what is needed, builds, and runs every isla test:
#   unit tests (cmocka), HTTP integration tests against the real server,
#   the operations suites (tests/ops: caching, limits, TLS/HTTP/2, metrics
#   with a real Prometheus, alerts, reload under load, drain),
#   the differential test against SQLite (200k and 2M offers), the 29 real
#   offer rows, fuzz smoke runs (libFuzzer), and all of that again under
#   AddressSanitizer + UndefinedBehaviorSanitizer (gcc; the unit, SQLite,
#   sample and HTTP suites also with clang's stricter UBSan).
# Ends with one line "N passed, M failed" counting individual tests.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

out="$root/tests/out"
rm -rf "$out"
mkdir -p "$out"
passed=0
failed=0
failed_names=()

# Adds one suite's counts from its log: cmocka's summary, or our own
# "N passed, M failed" line. A suite that ends without either (a crash)
# or exits non-zero with nothing failed counts one failure.
count() {
  local name=$1 log=$2 rc=$3 p=0 f=0 line
  if grep -q '^\[==========\]' "$log"; then
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  elif line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1) && [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  fi
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -gt 0 ]; then failed_names+=("$name"); fi
  printf '%-40s %4d passed %4d failed  (%s)\n' "$name" "$p" "$f" "${log#$root/}"
}

run() { # run NAME CMD...: runs a suite with its output in tests/out/NAME.log
  local name=$1; shift
  local log="$out/$name.log"
  local t0=$SECONDS
  "$@" >"$log" 2>&1
  local rc=$?
  count "$name" "$log" "$rc"
  echo "    ($((SECONDS - t0)) s)" >>"$log"
}

build() { # build NAME MAKE-ARGS...: a build failure is one failed test
  local name=$1; shift
  if make -j"$(nproc)" "$@" >"$out/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "build: $name ok"
  else
    failed=$((failed + 1)); failed_names+=("$name"); echo "build: $name FAILED (tests/out/$name.log)"
    tail -30 "$out/$name.log"
  fi
}

# gcc is the main compiler; clang must build the same code warning-free.
build build-gcc CC=gcc all CFLAGS="-O2 -g -Werror"
build build-clang BUILD=build/clang CC=clang all CFLAGS="-O2 -g -Werror"
build build-asan asan
build build-asan-clang asan-clang

for t in build/tests/test_*; do
  [ -x "$t" ] && run "unit-$(basename "$t")" "$t"
done
for t in build/asan/tests/test_*; do
  [ -x "$t" ] && run "asan-unit-$(basename "$t")" "$t"
done
for t in build/asan-clang/tests/test_*; do
  [ -x "$t" ] && run "clang-asan-unit-$(basename "$t")" "$t"
done

run http python3 tests/http/test_http.py
ISLA_BIN=build/asan/isla run asan-http python3 tests/http/test_http.py
run calendar python3 tests/calendar/test_calendar.py
ISLA_BIN=build/asan/isla CALENDAR_SEARCHES=150 run asan-calendar python3 tests/calendar/test_calendar.py
run browser node tests/browser/run.mjs
ISLA_BIN=build/asan/isla BROWSER_OUT="$out/browser-asan" run asan-browser node tests/browser/run.mjs
run ops-unit tests/ops/unit.sh build
run asan-ops-unit tests/ops/unit.sh build/asan
run ops-protocol python3 tests/ops/test_protocol.py
ISLA_BIN=build/asan/isla run asan-ops-protocol python3 tests/ops/test_protocol.py
run ops-runtime python3 tests/ops/test_runtime.py
ISLA_BIN=build/asan/isla run asan-ops-runtime python3 tests/ops/test_runtime.py
run ops-abuse python3 tests/ops/test_abuse.py
ISLA_BIN=build/asan/isla run asan-ops-abuse python3 tests/ops/test_abuse.py
run sample-data python3 tests/sample/test_sample.py
run import-faults python3 tests/import/test_import_faults.py
ISLA_BIN=build/asan/isla run asan-import-faults python3 tests/import/test_import_faults.py
ISLA_BIN=build/asan/isla run asan-sample-data python3 tests/sample/test_sample.py

run diff-sqlite-200k build/tests/diff_sqlite --offers 200000 --seed 11 --searches 300
run diff-sqlite-2m build/tests/diff_sqlite --offers 2000000 --seed 12 --searches 300
run asan-diff-sqlite build/asan/tests/diff_sqlite --bin build/asan/isla --offers 30000 --seed 13 --searches 200
run clang-asan-diff-sqlite build/asan-clang/tests/diff_sqlite --bin build/asan-clang/isla --offers 30000 --seed 14 --searches 200
ISLA_BIN=build/asan-clang/isla run clang-asan-sample-data python3 tests/sample/test_sample.py
ISLA_BIN=build/asan-clang/isla run clang-asan-http python3 tests/http/test_http.py

# Fuzz smoke runs: every parser for a short, bounded time.
if make -j"$(nproc)" fuzz >"$out/fuzz-build.log" 2>&1; then
  for f in build/fuzz/fuzz_*; do
    name=$(basename "$f")
    corpus="tests/fuzz/corpus/${name#fuzz_}"
    mkdir -p "$out/corpus-$name"
    log="$out/$name.log"
    if "$f" -max_total_time=15 -rss_limit_mb=2048 -artifact_prefix="$out/$name-" "$out/corpus-$name" $( [ -d "$corpus" ] && echo "$corpus") >"$log" 2>&1; then
      passed=$((passed + 1)); printf '%-40s    1 passed    0 failed\n' "$name"
    else
      failed=$((failed + 1)); failed_names+=("$name"); printf '%-40s    0 passed    1 failed  (%s)\n' "$name" "$log"
    fi
  done
else
  failed=$((failed + 1)); failed_names+=("fuzz-build"); echo "fuzz build FAILED (tests/out/fuzz-build.log)"
fi

echo
if [ ${#failed_names[@]} -gt 0 ]; then
  echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
