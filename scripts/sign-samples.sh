#!/usr/bin/env bash
# Re-signs the shipped sample CoAs with the test PKI (certs/test-pki, keys for tests only):
# every sample gets an enveloped XML-DSig from the laboratory's EC key (the exosome sample
# from its RSA key), except coa-pending-mycoplasma.xml, which gets a detached CMS signature
# (coa-pending-mycoplasma.xml.p7s, made by `openssl cms`) to show the other form.
# Run after certs/make-test-pki.sh; needs a built dosegate (scripts/setup.sh dev).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${DOSEGATE:-build/dev/dosegate}
pki=certs/test-pki
[ -x "$bin" ] || { echo "sign-samples: build dosegate first (scripts/setup.sh dev)" >&2; exit 2; }

strip_signature() {  # prints the CoA without its enveloped signature
  perl -0pe 's{<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.*?</Signature>\n?}{}s' "$1"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for coa in samples/coa-*.xml; do
  name=$(basename "$coa")
  strip_signature "$coa" > "$tmp/$name"
  case "$name" in
    coa-pending-mycoplasma.xml)
      cp "$tmp/$name" "$coa"
      openssl cms -sign -binary -md sha256 -cades -in "$coa" \
        -signer $pki/lab-ec.cert.pem -inkey $pki/lab-ec.key.pem -certfile $pki/lab-chain.pem \
        -outform DER -out "$coa.p7s"
      echo "signed $coa.p7s (detached CMS)"
      ;;
    coa-exosome-pass.xml)
      "$bin" sign-coa "$tmp/$name" --key $pki/lab-rsa.key.pem --cert $pki/lab-rsa.cert.pem \
        --chain $pki/lab-chain.pem --out "$coa" --force | tail -n 1
      ;;
    *)
      "$bin" sign-coa "$tmp/$name" --key $pki/lab-ec.key.pem --cert $pki/lab-ec.cert.pem \
        --chain $pki/lab-chain.pem --out "$coa" --force | tail -n 1
      ;;
  esac
done
