#!/usr/bin/env bash
# Benchmark: whole-process time of `dosegate verify` (signature, chain, CRLs, specification,
# report) against `xmlsec1 --verify` (signature and chain only) on the same signed CoA: the
# two-dose sample and a 1,000-dose lot (6-digit Product Divisions), each RUNS times,
# alternating. Then how verify scales: lots of 1,000, 10,000 and 20,000 doses, RUNS / 4 times
# each (at least 5), alternating, with each lot's median time and its ratio to the 1,000-dose
# lot's (20 times the doses: at most 20 times the time).
# Usage: scripts/bench-verify.sh [RUNS]   (default 60; builds the release preset first)
#        DOSEGATE=PATH scripts/bench-verify.sh ...   times the dosegate at PATH instead
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-60}
target=0.50
scripts/setup.sh release >/dev/null
source scripts/bench-lib.sh
bin=${DOSEGATE:-build/release/dosegate}  # DOSEGATE=PATH times another build, e.g. main's
pki=certs/test-pki
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sizes=(1000 10000 20000)
for doses in "${sizes[@]}"; do make_lot "$doses" "$work/lot-$doses.xml" "$bin"; done

for coa in samples/coa-pass.xml "$work/lot-1000.xml"; do
  dosegate_cmd=("$bin" verify "$coa" --trust certs/trust)
  xmlsec_cmd=(xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty
              --trusted-pem "$pki/root-ca.cert.pem" --untrusted-pem "$pki/lab-ca.cert.pem" "$coa")
  "${dosegate_cmd[@]}" >/dev/null          # both must succeed before they are timed
  "${xmlsec_cmd[@]}" >/dev/null 2>&1
  [ "$coa" = samples/coa-pass.xml ] && echo "the two-dose sample:" || echo "a lot of 1000 doses:"
  compare "dosegate verify" "xmlsec1 --verify" -- "${dosegate_cmd[@]}" -- "${xmlsec_cmd[@]}"
  echo
done

# What neither tool can avoid: starting the process. dosegate is one executable linked to every
# room's library (and theirs: ldd counts them); xmlsec1 links libxmlsec and OpenSSL only.
echo "process start alone (--version), $(ldd "$bin" | grep -c '=>') shared libraries against $(ldd "$(command -v xmlsec1)" | grep -c '=>'):"
target= compare "dosegate --version" "xmlsec1 --version" -- "$bin" --version -- xmlsec1 --version
echo

scaling_runs=$((runs / 4 > 5 ? runs / 4 : 5))
declare -A times
for ((i = 0; i < scaling_runs; i++)); do
  for doses in "${sizes[@]}"; do
    s=${EPOCHREALTIME//[!0-9]/}
    "$bin" verify "$work/lot-$doses.xml" --trust certs/trust >/dev/null
    e=${EPOCHREALTIME//[!0-9]/}
    times[$doses]+="$((e - s)) "
  done
done
echo "how verify scales ($scaling_runs runs per lot, alternating; target: 20000 doses at most 20 times 1000):"
printf '  %8s  %12s  %s\n' DOSES SECONDS "RATIO TO 1000"
t1=$(printf '%s\n' ${times[1000]} | median)
for doses in "${sizes[@]}"; do
  t=$(printf '%s\n' ${times[$doses]} | median)
  awk -v d="$doses" -v t="$t" -v r="$t1" 'BEGIN { printf "  %8d  %12.3f  %.1f\n", d, t / 1e6, t / r }'
done
echo "reproduce:         ${DOSEGATE:+DOSEGATE=$DOSEGATE }scripts/bench-verify.sh $runs"
