#!/usr/bin/env bash
# Benchmark: release a lot of many doses (6-digit Product Divisions) and print doses per second
# and peak memory of the whole `dosegate release` process.
# Usage: scripts/bench-release.sh [DOSES]   (default 1000; builds the release preset first)
set -euo pipefail
cd "$(dirname "$0")/.."
doses=${1:-1000}
scripts/setup.sh release >/dev/null
bin=build/release/dosegate
pki=certs/test-pki
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The passing sample, unsigned, with product code S1234V99 and $doses doses 000001.., signed
# again by the test laboratory.
perl -0pe '
  s{<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>\n?}{}s;
  s{<Code>S1234V00</Code>}{<Code>S1234V99</Code>};
  my $d = join "", map { sprintf("      <Dose division=\"%06d\"><ViableCells>5.0e7</ViableCells>"
                                 . "<Volume unit=\"mL\">5.0</Volume></Dose>\n", $_) } 1..'"$doses"';
  s{<Doses>.*?</Doses>}{<Doses>\n$d    </Doses>}s;
' samples/coa-pass.xml > "$work/lot-unsigned.xml"
"$bin" sign-coa "$work/lot-unsigned.xml" --key $pki/lab-ec.key.pem --cert $pki/lab-ec.cert.pem \
  --chain $pki/lab-chain.pem --out "$work/lot.xml" >/dev/null

/usr/bin/time -f '%e %M' -o "$work/time" "$bin" release "$work/lot.xml" --trust certs/trust \
  --key $pki/releaser.key.pem --cert $pki/releaser.cert.pem --chain $pki/qa-chain.pem \
  --out "$work/out" --quiet >/dev/null
read -r seconds peak_kib < "$work/time"
written=$(find "$work/out" -name '*.pdf' | wc -l)
bytes=$(du -sb "$work/out" | cut -f1)
[ "$written" -eq "$doses" ] || { echo "bench-release: wrote $written of $doses records" >&2; exit 1; }

echo "doses released:   $written on $(nproc) cores"
echo "wall time:        ${seconds} s"
awk -v n="$written" -v s="$seconds" 'BEGIN { printf "doses per second: %.0f (target: at least 1000)\n", n / s }'
awk -v k="$peak_kib" 'BEGIN { printf "peak memory:      %.1f MiB (target: under 128 MiB)\n", k / 1024 }'
awk -v b="$bytes" -v n="$written" 'BEGIN { printf "output:           %.1f MiB, %.0f KiB per record\n", b / 1048576, b / n / 1024 }'
echo "reproduce:        scripts/bench-release.sh $doses"
