#!/usr/bin/env bash
# Benchmark: release a signed lot of 1,000 doses (6-digit Product Divisions) RUNS times and print
# the median doses per second, the peak memory of the `dosegate release` process and the size
# of a record. With --scaling, a 10,000-dose lot is released too, alternating with the
# 1,000-dose one, and the ratio of their median times is printed (10 times the doses: at most
# 11 times the time).
# With --tsa, every release asks the test TSA (tests/tsa/test_tsa.cpp, built by the ci preset:
# TEST_TSA=PATH names another build of it) on 127.0.0.1 for a token per record (PAdES B-LT).
# Usage: scripts/bench-release.sh [RUNS] [--scaling] [--tsa]   (default 5; builds the release
#        preset)
#        DOSEGATE=PATH scripts/bench-release.sh ...   times the dosegate at PATH instead (and
#        builds nothing)
# Every run writes into a directory of its own (40 MB for 1,000 doses, 400 MB for 10,000), and
# all of them are removed at the end, not between runs (see scripts/bench-lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
scaling=false
tsa=false
for arg in "$@"; do
  case $arg in
    --scaling) scaling=true ;;
    --tsa) tsa=true ;;
    *) runs=$arg ;;
  esac
done
[ -n "${DOSEGATE:-}" ] || scripts/setup.sh release >/dev/null
source scripts/bench-lib.sh
bin=${DOSEGATE:-build/release/dosegate}  # DOSEGATE=PATH times another build, e.g. main's
pki=certs/test-pki
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tsa_args=()
if $tsa; then
  test_tsa=${TEST_TSA:-build/ci/tests/dosegate_test_tsa}
  [ -x "$test_tsa" ] || { echo "bench-release: no test TSA at $test_tsa (build the ci preset, or give TEST_TSA=PATH)" >&2; exit 2; }
  "$test_tsa" --cert $pki/tsa.cert.pem --key $pki/tsa.key.pem \
    --time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/tsa.port" &
  tsa_pid=$!
  trap 'kill $tsa_pid 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 50); do [ -s "$work/tsa.port" ] && break; sleep 0.1; done
  tsa_args=(--tsa "http://127.0.0.1:$(cat "$work/tsa.port")/")
fi

sizes=(1000)
$scaling && sizes+=(10000)
for doses in "${sizes[@]}"; do make_lot "$doses" "$work/lot-$doses.xml" "$bin"; done

# release_lot DOSES: releases the lot into a new directory with a new ledger; appends the
# whole-process time (us), the peak memory (KiB) and the bytes of its records to the lists of
# that lot.
declare -A times peaks bytes
run=0
release_lot() {
  local doses=$1 dir="$work/run-$((++run))" s e written
  s=${EPOCHREALTIME//[!0-9]/}
  /usr/bin/time -f '%M' -o "$dir.time" "$bin" release "$work/lot-$doses.xml" --trust certs/trust \
    --key $pki/releaser.key.pem --cert $pki/releaser.cert.pem --chain $pki/qa-chain.pem \
    --out "$dir" --ledger "$dir.sqlite" --quiet "${tsa_args[@]}" >/dev/null 2>"$dir.err" ||
    { cat "$dir.err" >&2; exit 1; }
  e=${EPOCHREALTIME//[!0-9]/}
  written=$(find "$dir" -name '*.pdf' | wc -l)
  [ "$written" -eq "$doses" ] || { echo "bench-release: wrote $written of $doses records" >&2; exit 1; }
  times[$doses]+="$((e - s)) "
  peaks[$doses]+="$(tail -n 1 "$dir.time") "
  bytes[$doses]+="$(find "$dir" -name '*.pdf' -printf '%s\n' | awk '{ s += $1 } END { print s }') "
}

for ((i = 0; i < runs; i++)); do
  for doses in "${sizes[@]}"; do release_lot "$doses"; done
done

med() { printf '%s\n' $1 | median; }
max() { printf '%s\n' $1 | sort -n | tail -n 1; }
t1=$(med "${times[1000]}")
echo "lot of 1000 doses: $runs runs$($scaling && echo ", alternating with a lot of 10000 doses")$($tsa && echo ", a token per record from the local test TSA (PAdES B-LT)"), on $(nproc) cores"
awk -v t="$t1" 'BEGIN { printf "median time:      %.3f s\n", t / 1e6 }'
awk -v t="$t1" 'BEGIN { printf "doses per second: %.0f (target: at least 2500)\n", 1000 / (t / 1e6) }'
awk -v k="$(max "${peaks[1000]}")" \
  'BEGIN { printf "peak memory:      %.1f MiB, the largest of the runs (target: under 128 MiB)\n", k / 1024 }'
awk -v b="$(med "${bytes[1000]}")" \
  'BEGIN { printf "record size:      %.1f KiB per record (target: at most 80 KiB)\n", b / 1000 / 1024 }'
if $scaling; then
  t10=$(med "${times[10000]}")
  awk -v t="$t10" -v r="$t1" -v k="$(max "${peaks[10000]}")" 'BEGIN {
    printf "lot of 10000:     median %.3f s, %.0f doses per second, peak %.1f MiB\n", t / 1e6,
           10000 / (t / 1e6), k / 1024
    printf "10000 / 1000:     %.2f times the time (target: at most 11)\n", t / r }'
fi
echo "reproduce:        ${DOSEGATE:+DOSEGATE=$DOSEGATE }scripts/bench-release.sh $*"
