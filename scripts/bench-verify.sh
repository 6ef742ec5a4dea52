#!/usr/bin/env bash
# Benchmark: whole-process time of `dosegate verify` (signature, chain, CRLs, specification,
# report) against `xmlsec1 --verify` (signature and chain only) on the same signed CoA.
# Usage: scripts/bench-verify.sh [RUNS]   (default 300; builds the release preset first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
target=0.50
scripts/setup.sh release >/dev/null
bin=build/release/dosegate
coa=samples/coa-pass.xml
pki=certs/test-pki

dosegate_cmd=("$bin" verify "$coa" --trust certs/trust)
xmlsec_cmd=(xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty
            --trusted-pem "$pki/root-ca.cert.pem" --untrusted-pem "$pki/lab-ca.cert.pem" "$coa")

"${dosegate_cmd[@]}" >/dev/null          # both must succeed before they are timed
"${xmlsec_cmd[@]}" >/dev/null 2>&1

source scripts/bench-lib.sh
compare "dosegate verify" "xmlsec1 --verify" -- "${dosegate_cmd[@]}" -- "${xmlsec_cmd[@]}"
echo "reproduce:         scripts/bench-verify.sh $runs"
