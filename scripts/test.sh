#!/usr/bin/env bash
# The whole test suite: set up, build with warnings as errors, run every test; then the same
# suite under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh ci
ctest --preset ci
scripts/setup.sh asan-ubsan
ctest --preset asan-ubsan
