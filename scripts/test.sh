#!/usr/bin/env bash
# Builds and runs isla's tests. Ends with one line "N passed, M failed"
# counting individual tests.
#
#   scripts/test.sh              everything, as CI runs it: setup, the four
#                                builds, every suite in every variant, fuzz
#   scripts/test.sh SUITE...     only these suites, building only what they
#                                need; a name is a suite in the plain build
#                                (unit, http), with a variant prefix
#                                (asan-http, clang-asan-unit) or a glob
#                                ('asan-*', 'ops-*'); --list shows them all
#
# The variants are a matrix: plain (build/, gcc), asan (build/asan, gcc
# ASan+UBSan) and clang-asan (build/asan-clang, clang's stricter UBSan);
# the clang build (build/clang) only has to compile warning-free. A suite
# runs with B set to its variant's build directory and ISLA_BIN=$B/isla.
# If a variant's build fails, its suites are counted failed, never run on
# stale binaries. A suite must end with cmocka's summary or a line
# "N passed, M failed": a suite that prints neither failed, whatever its
# exit code. Logs go to tests/out/NAME.log.
#
# Adding a suite: one line in the table below,
#   suite NAME "VARIANTS" COMMAND...
# (the command sees $B and $ISLA_BIN; write it in single quotes if it
# uses them). Names in the sanitizer variants get the variant's prefix. A
# command that starts with `for` runs several programs and counts each
# itself (run_one for a test binary, run_fuzzer for a fuzzer).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# ---- the suites -------------------------------------------------------------
SUITES=()   # "name|variants|command"
suite() { local name=$1 variants=$2; shift 2; SUITES+=("$name|$variants|$*"); }

suite layers      "plain"                 scripts/check-layers.sh
suite unit        "plain asan clang-asan" 'for t in $B/tests/test_*; do run_one "$t"; done'
suite ops-unit    "plain asan"            'tests/ops/unit.sh $B'
suite http        "plain asan clang-asan" python3 tests/http/test_http.py
suite load        "plain asan"            python3 tests/load/test_load.py
suite load-browser "plain"                node tests/load/report_browser.mjs
suite calendar    "plain"                 python3 tests/calendar/test_calendar.py
suite calendar    "asan"                  env CALENDAR_SEARCHES=150 python3 tests/calendar/test_calendar.py
suite browser     "plain"                 node tests/browser/run.mjs
suite browser     "asan"                  env BROWSER_OUT=tests/out/browser-asan node tests/browser/run.mjs
suite ops-protocol "plain asan"           python3 tests/ops/test_protocol.py
suite ops-runtime "plain asan"            python3 tests/ops/test_runtime.py
suite ops-abuse   "plain asan"            python3 tests/ops/test_abuse.py
suite sample-data "plain asan clang-asan" python3 tests/sample/test_sample.py
suite import-faults "plain asan"          python3 tests/import/test_import_faults.py
suite partners    "plain asan"            python3 tests/partners/test_partners.py
suite fleet       "plain asan"            python3 tests/fleet/test_fleet.py
suite bench-harness "plain asan"         python3 tests/bench/test_bench_harness.py
suite nlq-phrases "plain asan"            '$B/tests/nlq_phrases tests/nlq/phrases.tsv'
suite nlq-http    "plain asan"            python3 tests/nlq/test_nlq_http.py
suite browser-words "plain"               node tests/browser/words.mjs
suite diff-sqlite-200k "plain"            'build/tests/diff_sqlite --offers 200000 --seed 11 --searches 300'
suite diff-sqlite-2m "plain"              'build/tests/diff_sqlite --offers 2000000 --seed 12 --searches 300'
suite diff-sqlite-destinations "plain"    'build/tests/diff_sqlite --offers 300000 --seed 15 --searches 300 --destinations PMI,IBZ,AYT,HER,RHO,LPA,HRG'
suite diff-sqlite "asan clang-asan"       '$B/tests/diff_sqlite --bin $B/isla --offers 30000 --seed 13 --searches 200'
suite diff-sqlite-destinations "asan"     '$B/tests/diff_sqlite --bin $B/isla --offers 30000 --seed 16 --searches 150 --destinations PMI,IBZ,AYT,HER'
suite fuzz        "fuzz"                  'for f in build/fuzz/fuzz_*; do run_fuzzer "$f"; done'

# ---- the matrix -------------------------------------------------------------
declare -A BUILD_DIR=([plain]=build [clang]=build/clang [asan]=build/asan [clang-asan]=build/asan-clang [fuzz]=build/fuzz)
declare -A PREFIX=([plain]="" [asan]="asan-" [clang-asan]="clang-asan-" [fuzz]="")
build_variant() { # the make command of a variant
  case $1 in
    plain) make -j"$(nproc)" CC=gcc all CFLAGS="-O2 -g -Werror" ;;
    clang) make -j"$(nproc)" BUILD=build/clang CC=clang all CFLAGS="-O2 -g -Werror" ;;
    asan) make -j"$(nproc)" asan ;;
    clang-asan) make -j"$(nproc)" asan-clang ;;
    fuzz) make -j"$(nproc)" fuzz ;;
  esac
}
declare -A BUILD_NAME=([plain]=build-gcc [clang]=build-clang [asan]=build-asan [clang-asan]=build-asan-clang [fuzz]=build-fuzz)

# Every (variant, suite) pair, in table order: "fullname|variant|command".
JOBS=()
for s in "${SUITES[@]}"; do
  IFS='|' read -r name variants cmd <<<"$s"
  for v in $variants; do JOBS+=("${PREFIX[$v]}$name|$v|$cmd"); done
done

if [ "${1:-}" = "--list" ]; then
  for j in "${JOBS[@]}"; do echo "${j%%|*}"; done | uniq
  echo "build-clang"
  exit 0
fi

# ---- selection --------------------------------------------------------------
selected=()
want_clang=0
if [ $# -eq 0 ]; then
  selected=("${JOBS[@]}")
  want_clang=1
else
  for pat in "$@"; do
    hit=0
    [[ "build-clang" == $pat ]] && want_clang=1 && hit=1
    for j in "${JOBS[@]}"; do
      # shellcheck disable=SC2053 # the pattern is a glob on purpose
      if [[ "${j%%|*}" == $pat ]]; then selected+=("$j"); hit=1; fi
    done
    if [ $hit -eq 0 ]; then
      echo "test.sh: no suite named '$pat' (scripts/test.sh --list shows them)" >&2
      echo "0 passed, 1 failed"
      exit 2
    fi
  done
fi

if [ $# -eq 0 ]; then
  scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
fi

out="$root/tests/out"
if [ $# -eq 0 ]; then rm -rf "$out"; fi
mkdir -p "$out"
passed=0
failed=0
failed_names=()

# Adds one suite's counts from its log: cmocka's summary, or our own
# "N passed, M failed" line. A log with neither (a crash, a suite that
# forgot its summary) is one failure, and so is a non-zero exit with
# nothing failed.
count() {
  local name=$1 log=$2 rc=$3 p=0 f=0 line
  if grep -q '^\[==========\]' "$log"; then
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  elif line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1) && [ -n "$line" ]; then
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  else
    echo "test.sh: $name printed no summary line" >>"$log"
    f=1
  fi
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -gt 0 ]; then failed_names+=("$name"); fi
  printf '%-40s %4d passed %4d failed  (%s)\n' "$name" "$p" "$f" "${log#"$root"/}"
}

fail_one() { # fail_one NAME WHY: one failure without a log to count
  failed=$((failed + 1)); failed_names+=("$1")
  printf '%-40s %4d passed %4d failed  (%s)\n' "$1" 0 1 "$2"
}

# Inside a suite whose command loops over binaries: each is counted on
# its own (unit-test_api, asan-unit-test_store, ...).
run_one() {
  local name="$current-$(basename "$1")" log
  log="$out/$name.log"
  "$1" >"$log" 2>&1
  count "$name" "$log" $?
  sub_ran=1
}

# Fuzz smoke runs: every parser for a short, bounded time.
run_fuzzer() {
  local f=$1 name corpus log
  name=$(basename "$f")
  corpus="tests/fuzz/corpus/${name#fuzz_}"
  mkdir -p "$out/corpus-$name"
  log="$out/$name.log"
  if "$f" -max_total_time=15 -rss_limit_mb=2048 -artifact_prefix="$out/$name-" "$out/corpus-$name" \
      $([ -d "$corpus" ] && echo "$corpus") >"$log" 2>&1; then
    echo "1 passed, 0 failed" >>"$log"
  else
    echo "0 passed, 1 failed" >>"$log"
  fi
  count "$name" "$log" 0
  sub_ran=1
}

# ---- builds -----------------------------------------------------------------
declare -A built=()
needed=()
[ $want_clang -eq 1 ] && needed+=(clang)
for j in "${selected[@]}"; do
  IFS='|' read -r _ v _ <<<"$j"
  [[ " ${needed[*]} " == *" $v "* ]] || needed+=("$v")
done
# the plain build comes first: the others reuse nothing of it, but a
# compile error shows up soonest there
ordered=()
for v in plain clang asan clang-asan fuzz; do
  [[ " ${needed[*]} " == *" $v "* ]] && ordered+=("$v")
done
for v in "${ordered[@]}"; do
  name=${BUILD_NAME[$v]}
  if build_variant "$v" >"$out/$name.log" 2>&1; then
    built[$v]=1; passed=$((passed + 1)); echo "build: $name ok"
  else
    built[$v]=0; fail_one "$name" "tests/out/$name.log"; tail -30 "$out/$name.log"
  fi
done

# ---- suites -----------------------------------------------------------------
for j in "${selected[@]}"; do
  IFS='|' read -r name v cmd <<<"$j"
  if [ "${built[$v]:-}" != 1 ]; then
    fail_one "$name" "not run: ${BUILD_NAME[$v]} failed"
    continue
  fi
  export B=${BUILD_DIR[$v]}
  export ISLA_BIN=$B/isla
  current=$name
  sub_ran=0
  log="$out/$name.log"
  t0=$SECONDS
  if [[ "$cmd" == for\ * ]]; then
    eval "$cmd"          # loops count each binary themselves
    [ $sub_ran -eq 1 ] || fail_one "$name" "nothing to run in $B"
  else
    eval "$cmd" >"$log" 2>&1
    rc=$?
    echo "    ($((SECONDS - t0)) s)" >>"$log"
    count "$name" "$log" "$rc"
  fi
done

echo
if [ ${#failed_names[@]} -gt 0 ]; then
  echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
