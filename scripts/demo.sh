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
  case "$coa" in *exosome*) spec=(--spec samples/specs/msc-exosome.xml) ;; esac
  code=0
  report=$("$bin" verify "$coa" --trust certs/trust "${spec[@]}") || code=$?
  line=$(grep '^Decision:' <<<"$report")
  printf '%-40s exit %s  %s\n' "$coa" "$code" "$line"
done
echo
echo "The binary is $bin; see samples/README.md for what each sample shows."
