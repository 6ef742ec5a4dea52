#!/usr/bin/env bash
# The quick start: set up, build, and run dosegate's main job on every shipped sample.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
bin=build/release/dosegate

echo
echo "== dosegate verify samples/coa-pass.xml --trust certs/trust"
"$bin" verify samples/coa-pass.xml --trust certs/trust || true

echo
echo "== every sample (decision and exit code; full reports with the same command per file)"
for coa in samples/coa-*.xml; do
  spec=()
  case "$coa" in *exosome*) spec=(--spec samples/specs/msc-exosome.signed.xml) ;; esac
  code=0
  report=$("$bin" verify "$coa" --trust certs/trust "${spec[@]}") || code=$?
  line=$(grep '^Decision:' <<<"$report")
  printf '%-40s exit %s  %s\n' "$coa" "$code" "$line"
done
echo
records=build/demo/records
export DOSEGATE_LEDGER=build/demo/ledger.sqlite
rm -rf "$records" "$DOSEGATE_LEDGER"*  # the demo's own output; dosegate never overwrites a record
echo "== dosegate release samples/coa-pass.xml (test PKI releaser; keys for tests only)"
"$bin" release samples/coa-pass.xml --trust certs/trust --key certs/test-pki/releaser.key.pem \
  --cert certs/test-pki/releaser.cert.pem --chain certs/test-pki/qa-chain.pem \
  --out "$records" --quiet

echo
echo "== dosegate confirm (the bag label of dose A0 scanned at the bedside, DIN and product code"
echo "   apart, and the recipient's wristband)"
"$bin" confirm "$records/A999926000147-S1234V00-A0.pdf" --trust certs/trust \
  --dose "=A99992600014700" --dose "=<S1234VA0" --recipient MRN-0001 --staff demo-nurse \
  --second-staff demo-nurse-2 || true

echo
echo "== dosegate trace A999926000147 (the look-back: who received each dose)"
"$bin" trace A999926000147 --trust certs/trust

echo
echo "== dosegate history (ledger $DOSEGATE_LEDGER)"
"$bin" history
echo
echo "== dosegate audit --trust certs/trust"
"$bin" audit --trust certs/trust

echo
echo "The binary is $bin; the signed release records are in $records."
echo "See samples/README.md for what each sample shows."
