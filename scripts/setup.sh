#!/usr/bin/env bash
# Installs the Debian packages dosegate needs (only those missing), then configures and builds
# one CMake preset. Usage: scripts/setup.sh PRESET   (dev, release, ci, asan-ubsan or fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:?usage: scripts/setup.sh PRESET}

# Build: compiler, CMake, Ninja, the libraries (libqpdf reads records) and the font embedded in
# release records.
# Test tools: xmllint (schema validation), xmlsec1 and openssl (signature interoperability),
# poppler-utils (pdfsig, pdftotext, pdfdetach, pdftoppm), qpdf, libnss3-tools (certutil for
# pdfsig's trust), perl (sample re-signing), clang-format, zbarimg and dmtxread (barcodes).
# The service (dosegate serve): cpp-httplib with OpenSSL, libargon2 for passwords; its browser
# tests: chromium, chromium-driver and python3-selenium.
# Fuzzing (the fuzz preset, scripts/fuzz.sh): clang-14 and its libFuzzer.
# The shared ledger: libpq, and the PostgreSQL 15 server the tests start in a temporary directory.
# Timestamps (RFC 3161 requests to a TSA): libcurl. Keys in tokens: libp11 with SoftHSM2 for the
# tests (opensc's pkcs11-tool creates their keys). Packaging: help2man (man pages), lintian,
# bash-completion; dpkg-dev (dpkg-shlibdeps: the .deb's dependencies; dpkg-deb), file (cpack's
# DEB generator finds the ELF files for dpkg-shlibdeps with it), man-db and groff-base (the
# man-page test renders every page with man -l).
packages=(
  g++ cmake ninja-build pkg-config
  libssl-dev libpugixml-dev libxmlsec1-dev libboost-program-options-dev catch2 libzint-dev
  libhpdf-dev libqpdf-dev zlib1g-dev fonts-dejavu-core nlohmann-json3-dev libcpp-httplib-dev
  libargon2-dev
  libxml2-utils xmlsec1 openssl perl clang-format zbar-tools dmtx-utils
  poppler-utils qpdf libnss3-tools time sqlite3 libsqlite3-dev
  clang-14 libfuzzer-14-dev
  chromium chromium-driver python3-selenium
  postgresql libpq-dev libcurl4-openssl-dev softhsm2 libp11-dev opensc
  help2man lintian bash-completion dpkg-dev file man-db groff-base
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing missing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then
      sudo_cmd=(sudo)
    else
      echo "setup: error: not root and no sudo; install these packages and run again: ${missing[*]}" >&2
      exit 2
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
