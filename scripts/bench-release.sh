#!/usr/bin/env bash
# Benchmark: release a signed lot of 1,000 doses (6-digit Product Divisions) RUNS times and print
# the median doses per second, the peak memory of the `dosegate release` process and the size
# of a record. With --scaling, a 10,000-dose lot is released too, alternating with the
# 1,000-dose one, and the ratio of their median times is printed (10 times the doses: at most
# 11 times the time).
# With --tsa, each run releases the 1,000-dose lot twice, alternating: without a TSA (PAdES B-B)
# and asking the test TSA (tests/tsa/test_tsa.cpp, built by the ci preset: TEST_TSA=PATH names
# another build of it) on 127.0.0.1 for a token per record (PAdES B-LT); the two are printed side
# by side (medians), with the CPU time of the dosegate process and, apart, of the test TSA, which
# shares the machine's cores (its cost is in the wall time, not in dosegate's CPU time).
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

# The CPU time (ms, user and system) the test TSA has used so far.
tick=$(getconf CLK_TCK)
tsa_cpu() { awk -v t="$tick" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$tsa_pid/stat"; }

# release_lot DOSES [tsa]: releases the lot into a new directory with a new ledger (asking the
# test TSA with `tsa`); appends the whole-process time (us), the peak memory (KiB), the
# process's CPU time (ms), the test TSA's CPU time during the run (ms) and the bytes of its
# records to the lists of that lot and mode.
declare -A times peaks cpus tsa_cpus bytes
run=0
release_lot() {
  local doses=$1 mode=${2:-plain} dir="$work/run-$((++run))" s e written c0=0 c1=0
  local -a extra=()
  [ "$mode" = tsa ] && { extra=("${tsa_args[@]}"); c0=$(tsa_cpu); }
  s=${EPOCHREALTIME//[!0-9]/}
  /usr/bin/time -f '%M %U %S' -o "$dir.time" "$bin" release "$work/lot-$doses.xml" --trust certs/trust \
    --key $pki/releaser.key.pem --cert $pki/releaser.cert.pem --chain $pki/qa-chain.pem \
    --out "$dir" --ledger "$dir.sqlite" --quiet "${extra[@]}" >/dev/null 2>"$dir.err" ||
    { cat "$dir.err" >&2; exit 1; }
  e=${EPOCHREALTIME//[!0-9]/}
  [ "$mode" = tsa ] && c1=$(tsa_cpu)
  written=$(find "$dir" -name '*.pdf' | wc -l)
  [ "$written" -eq "$doses" ] || { echo "bench-release: wrote $written of $doses records" >&2; exit 1; }
  local key=$doses-$mode
  times[$key]+="$((e - s)) "
  read -r peak user sys < <(tail -n 1 "$dir.time")
  peaks[$key]+="$peak "
  cpus[$key]+="$(awk -v u="$user" -v s="$sys" 'BEGIN { print int((u + s) * 1000) }') "
  tsa_cpus[$key]+="$((c1 - c0)) "
  bytes[$key]+="$(find "$dir" -name '*.pdf' -printf '%s\n' | awk '{ s += $1 } END { print s }') "
}

for ((i = 0; i < runs; i++)); do
  for doses in "${sizes[@]}"; do release_lot "$doses"; done
  $tsa && release_lot 1000 tsa
done

med() { printf '%s\n' $1 | median; }
max() { printf '%s\n' $1 | sort -n | tail -n 1; }
t1=$(med "${times[1000-plain]}")
echo "lot of 1000 doses: $runs runs$($scaling && echo ", alternating with a lot of 10000 doses")$($tsa && echo ", alternating with the same lot timestamped by the local test TSA (PAdES B-LT)"), on $(nproc) cores"
if $tsa; then
  row() {  # row LABEL FORMAT WITHOUT WITH SCALE: both values times SCALE, side by side
    awk -v l="$1" -v f="$2" -v a="$3" -v b="$4" -v k="$5" \
      'BEGIN { printf "%-20s" f "   " f "\n", l, a * k, b * k }'
  }
  tt=$(med "${times[1000-tsa]}")
  printf '%-20s%14s   %14s\n' "" "without a TSA" "--tsa"
  row "median time (s):" "%14.3f" "$t1" "$tt" 1e-6
  row "doses per second:" "%14.0f" "$(awk -v t="$t1" 'BEGIN { print 1e9 / t }')" \
    "$(awk -v t="$tt" 'BEGIN { print 1e9 / t }')" 1
  row "dosegate CPU (s):" "%14.3f" "$(med "${cpus[1000-plain]}")" "$(med "${cpus[1000-tsa]}")" 1e-3
  row "test TSA CPU (s):" "%14.3f" 0 "$(med "${tsa_cpus[1000-tsa]}")" 1e-3
  row "peak memory (MiB):" "%14.1f" "$(max "${peaks[1000-plain]}")" "$(max "${peaks[1000-tsa]}")" \
    "$(awk 'BEGIN { print 1 / 1024 }')"
  row "record size (KiB):" "%14.1f" "$(med "${bytes[1000-plain]}")" "$(med "${bytes[1000-tsa]}")" \
    "$(awk 'BEGIN { print 1 / 1024000 }')"
  awk -v a="$t1" -v b="$tt" \
    'BEGIN { printf "%-20s%14s   %14.2f (median time with --tsa / without)\n", "ratio:", "", b / a }'
else
  awk -v t="$t1" 'BEGIN { printf "median time:      %.3f s\n", t / 1e6 }'
  awk -v t="$t1" 'BEGIN { printf "doses per second: %.0f (target: at least 2500)\n", 1000 / (t / 1e6) }'
  awk -v k="$(max "${peaks[1000-plain]}")" \
    'BEGIN { printf "peak memory:      %.1f MiB, the largest of the runs (target: under 128 MiB)\n", k / 1024 }'
  awk -v b="$(med "${bytes[1000-plain]}")" \
    'BEGIN { printf "record size:      %.1f KiB per record (target: at most 80 KiB)\n", b / 1000 / 1024 }'
fi
if $scaling; then
  t10=$(med "${times[10000-plain]}")
  awk -v t="$t10" -v r="$t1" -v k="$(max "${peaks[10000-plain]}")" 'BEGIN {
    printf "lot of 10000:     median %.3f s, %.0f doses per second, peak %.1f MiB\n", t / 1e6,
           10000 / (t / 1e6), k / 1024
    printf "10000 / 1000:     %.2f times the time (target: at most 11)\n", t / r }'
fi
echo "reproduce:        ${DOSEGATE:+DOSEGATE=$DOSEGATE }scripts/bench-release.sh $*"
