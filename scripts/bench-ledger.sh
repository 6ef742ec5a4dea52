#!/usr/bin/env bash
# Benchmark: the ledger's reads as it grows. For each size, a ledger of that many entries is
# filled by build/release/dosegate_ledger_fill (bench/ledger_fill.cpp: lots of four entries,
# release and records signed with the test releaser's key exactly as `release` signs them, two
# unsigned GO confirmations), then one real lot is released into it (samples/coa-pass.xml), and
# the script prints, with the command that reproduces each figure:
#   - `history --format csv`: time and peak memory (/usr/bin/time -f '%e %M');
#   - `history --lot DIN` (the ledger's oldest lot): time;
#   - `audit`: time, entries per second and signed entries per second;
#   - `confirm` of a dose of the real lot (record, ledger read through read_lot, append): time.
# Times are the median of RUNS runs (default 3); memory the largest peak.
# Usage: scripts/bench-ledger.sh [SIZE...]   (default 1000 10000; the issue's table:
#        scripts/bench-ledger.sh 1000 10000 100000, about a minute more to fill 100,000)
# Builds the release preset first.
#
# Each size gets a fresh directory, created before anything is deleted: on the overlay file
# systems of containers and CI machines, deleting many files just before a run slows the file
# creation that follows (the ledger's WAL, the records), which shows up as noise in the figures.
# The whole work directory is removed only at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
runs=${RUNS:-3}
scripts/setup.sh release >/dev/null
bin=build/release/dosegate
fill=build/release/dosegate_ledger_fill
pki=certs/test-pki
trust=certs/trust
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() {  # median of the numbers on stdin
  sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure COMMAND...: runs COMMAND `runs` times (standard output to /dev/null), sets `secs` to
# the median wall time (the shell's clock around /usr/bin/time, whose own %e has 10 ms steps)
# and `kib` to the largest peak resident set (/usr/bin/time's %M).
measure() {
  local i s e m times=() peak=0
  for ((i = 0; i < runs; i++)); do
    s=${EPOCHREALTIME//[!0-9]/}
    /usr/bin/time -f '%M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
      local rc=$?
      # audit and confirm answer with exit 1 for "no": a benchmark of a NO-GO is no benchmark.
      echo "bench-ledger: '$*' failed ($rc):" >&2
      cat "$work/stderr" >&2
      exit 1
    }
    e=${EPOCHREALTIME//[!0-9]/}
    read -r m <"$work/time"
    times+=($((e - s)))
    ((m > peak)) && peak=$m
  done
  secs=$(printf '%s\n' "${times[@]}" | median | awk '{ printf "%.3f", $1 / 1e6 }')
  kib=$peak
}

echo "ledger benchmark: $(nproc) cores, median of $runs runs; build/release"
printf '%-8s %-28s %-28s %-36s %s\n' entries "history --format csv" "history --lot DIN" \
  "audit" "confirm"
for n in "${sizes[@]}"; do
  dir=$(mktemp -d "$work/$n.XXXXXX")
  ledger=$dir/ledger.sqlite
  read -r oldest_lot _ < <("$fill" "$ledger" "$n" $pki/releaser.key.pem $pki/releaser.cert.pem \
    $pki/qa-chain.pem)
  "$bin" release samples/coa-pass.xml --trust $trust --key $pki/releaser.key.pem \
    --cert $pki/releaser.cert.pem --chain $pki/qa-chain.pem --out "$dir/records" \
    --ledger "$ledger" --quiet >/dev/null
  total=$((n + 3))  # the fill, the release (2), the first confirmation
  signed=$((n / 4 * 2 + (n % 4 > 2 ? 2 : n % 4) + 2))
  record="$dir/records/A999926000147-S1234V00-A0.pdf"
  "$bin" confirm "$record" --trust $trust --dose "=A99992600014700=<S1234VA0" --ledger "$ledger" \
    --staff bench --recipient P-BENCH | head -n 1 | grep -qx GO

  measure "$bin" history --ledger "$ledger" --format csv
  csv="$(awk -v s="$secs" 'BEGIN { printf "%.2f s", s }'), $((kib / 1024)) MiB"
  measure "$bin" history --ledger "$ledger" --lot "$oldest_lot"
  lot="$(awk -v s="$secs" 'BEGIN { printf "%.1f ms", s * 1000 }')"
  measure "$bin" audit --trust $trust --ledger "$ledger"
  audit="$(awk -v s="$secs" -v t="$total" -v g="$signed" \
    'BEGIN { printf "%.2f s, %.0f/s, %.0f signed/s", s, t / s, g / s }')"
  audit_mem=$((kib / 1024))
  measure "$bin" confirm "$record" --trust $trust --dose "=A99992600014700=<S1234VA0" \
    --ledger "$ledger" --staff bench --recipient P-BENCH
  confirm="$(awk -v s="$secs" 'BEGIN { printf "%.0f ms", s * 1000 }')"
  printf '%-8s %-28s %-28s %-36s %s\n' "$total" "$csv" "$lot" "$audit (${audit_mem} MiB)" "$confirm"
done
echo
echo "timed commands (LEDGER: the filled ledger; RECORD: the real lot's dose A0):"
echo "  /usr/bin/time -f '%e %M' $bin history --ledger LEDGER --format csv"
echo "  $bin history --ledger LEDGER --lot OLDEST_DIN"
echo "  $bin audit --trust $trust --ledger LEDGER"
echo "  $bin confirm RECORD --trust $trust --dose '=A99992600014700=<S1234VA0' --ledger LEDGER --staff bench --recipient P-BENCH"
echo "reproduce: RUNS=$runs scripts/bench-ledger.sh ${sizes[*]}"
