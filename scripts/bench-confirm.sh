#!/usr/bin/env bash
# Benchmark: whole-process time of `dosegate confirm` (record signature, chain, CRLs, release
# data, recall check in the ledger, ledger append) against poppler's `pdfsig` (signature and
# certificate) on the same release record.
# Then the same comparison for two parts of the work: confirm without its ledger step (no
# recall check, no append), and the OpenSSL work alone (bench/openssl_floor.cpp: trust
# directory, CMS parse, CMS_verify with CRLs).
# The figures are information: the command line's confirm has no speed target (the bedside
# service answers confirmations without a process start).
# Usage: scripts/bench-confirm.sh [RUNS]   (default 200; builds the release preset first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200}
scripts/setup.sh release >/dev/null
bin=build/release/dosegate
pki=certs/test-pki
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DOSEGATE_LEDGER="$work/ledger.sqlite"

"$bin" release samples/coa-pass.xml --trust certs/trust --key $pki/releaser.key.pem \
  --cert $pki/releaser.cert.pem --chain $pki/qa-chain.pem --out "$work/records" --quiet >/dev/null
record="$work/records/A999926000147-S1234V00-A0.pdf"
certutil -N -d "sql:$work/nss" --empty-password 2>/dev/null || { mkdir -p "$work/nss"; certutil -N -d "sql:$work/nss" --empty-password; }
certutil -A -d "sql:$work/nss" -n root -t CT,C,C -i $pki/root-ca.cert.pem

confirm_cmd=("$bin" confirm "$record" --trust certs/trust --dose "=A99992600014700=<S1234VA0" --staff bench)
pdfsig_cmd=(pdfsig -nssdir "sql:$work/nss" -no-ocsp "$record")
"${confirm_cmd[@]}" | head -n 1 | grep -qx GO
"${pdfsig_cmd[@]}" | grep -q "Certificate is Trusted"

floor_cmd=(build/release/dosegate_openssl_floor "$record" certs/trust)
no_ledger_cmd=("$bin" confirm "$record" --trust certs/trust --dose "=A99992600014700=<S1234VA0" --record-only)
"${floor_cmd[@]}" | grep -qx verified

source scripts/bench-lib.sh
# Each confirm run also appends its confirmation to the ledger.
compare "dosegate confirm" "pdfsig" -- "${confirm_cmd[@]}" -- "${pdfsig_cmd[@]}"
echo
echo "Where the time goes (the same comparison for parts of the work):"
compare "confirm without the ledger step" "pdfsig" -- "${no_ledger_cmd[@]}" -- "${pdfsig_cmd[@]}"
compare "OpenSSL alone (bench/openssl_floor.cpp)" "pdfsig" -- "${floor_cmd[@]}" -- "${pdfsig_cmd[@]}"
echo "reproduce:         scripts/bench-confirm.sh $runs"
