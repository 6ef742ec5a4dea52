#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz, one after the other, each for SECONDS (default 600).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (no TARGET: all of them)
# Builds the fuzz preset first. New inputs go to build/fuzz/corpus/TARGET (the committed
# tests/fuzz/corpus and regressions are read-only seeds); a crash is written to
# build/fuzz/artifacts/TARGET/ and the script fails. For each target it prints runs, execs/s,
# coverage (cov/ft), corpus size, crashes and the command that reproduces the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
all=(coa_reader spec_reader record_verifier scan_parser json_reader ledger_entry_reader time_parser
  ledger_signature serve_request serve_http)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/$t.cpp" ]; then
    echo "fuzz: unknown target '$t'; the targets are: ${all[*]}" >&2
    exit 2
  fi
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz >/dev/null

out=build/fuzz
# Known leaks inside third-party libraries (tests/fuzz/open/README.md).
# Full stacks for allocations, so that a suppression can name the OpenSSL function
# (uninstrumented libcrypto stops the fast unwinder).
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
failed=()
printf '%-20s %10s %9s %7s %7s %7s %8s\n' target runs execs/s cov ft corpus crashes
for t in "${targets[@]}"; do
  work=$out/corpus/$t
  artifacts=$out/artifacts/$t
  log=$out/logs/$t.log
  mkdir -p "$work" "$artifacts" "$out/logs"
  cmd=("$out/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
       -print_final_stats=1 -artifact_prefix="$artifacts/" "$work"
       "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t")
  before=$(find "$artifacts" -type f | wc -l)
  touch "$log.start"
  status=0
  "${cmd[@]}" >"$log" 2>&1 || status=$?
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  # The last status line: "#N  ...  cov: C ft: F corp: U/S ..."
  last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
  printf '%-20s %10s %9s %7s %7s %7s %8s\n' "$t" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "${cov:--}" "${ft:--}" "${corp:--}" "$crashes"
  echo "  run again: ${cmd[*]}"
  if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed+=("$t")
    echo "  FAILED (exit $status); log: $log"
    for a in $(find "$artifacts" -type f -newer "$log.start"); do
      echo "  reproduce: $out/tests/fuzz/fuzz_$t $a"
      echo "  replay without libFuzzer: build/ci/tests/fuzz/fuzz_replay_$t $a"
    done
    grep -m1 -E 'ERROR: |runtime error: |invariant broken' "$log" | sed 's/^/  /' || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]} (keep each crash in tests/fuzz/regressions/TARGET/ with its fix)" >&2
  exit 1
fi
