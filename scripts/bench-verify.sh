#!/usr/bin/env bash
# Benchmark: whole-process time of `dosegate verify` (signature, chain, CRLs, specification,
# report) against `xmlsec1 --verify` (signature and chain only) on the same signed CoA.
# Usage: scripts/bench-verify.sh [RUNS]   (default 300; builds the release preset first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
scripts/setup.sh release >/dev/null
bin=build/release/dosegate
coa=samples/coa-pass.xml
pki=certs/test-pki

dosegate_cmd=("$bin" verify "$coa" --trust certs/trust)
xmlsec_cmd=(xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty
            --trusted-pem "$pki/root-ca.cert.pem" --untrusted-pem "$pki/lab-ca.cert.pem" "$coa")

"${dosegate_cmd[@]}" >/dev/null          # both must succeed before they are timed
"${xmlsec_cmd[@]}" >/dev/null 2>&1

time_runs() {  # prints mean microseconds per run of "$@"
  local start end
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}

# Interleave two rounds each to even out background noise.
d1=$(time_runs "${dosegate_cmd[@]}"); x1=$(time_runs "${xmlsec_cmd[@]}")
d2=$(time_runs "${dosegate_cmd[@]}"); x2=$(time_runs "${xmlsec_cmd[@]}")
d=$(( (d1 + d2) / 2 )); x=$(( (x1 + x2) / 2 ))

echo "runs per command:        $((2 * runs)) on $(nproc) cores"
echo "dosegate verify:         ${d} us per run   (${dosegate_cmd[*]})"
echo "xmlsec1 --verify:        ${x} us per run   (${xmlsec_cmd[*]})"
awk -v d="$d" -v x="$x" 'BEGIN { printf "ratio dosegate/xmlsec1:  %.2f (target: at most 0.50)\n", d / x }'
echo "reproduce:               scripts/bench-verify.sh $runs"
