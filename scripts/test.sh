#!/usr/bin/env bash
# The whole test suite: set up, build with warnings as errors, run every test (the fuzz corpora
# and regressions replayed included); then each fuzzer for 30 s (clang-14 and libFuzzer); then
# the same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh ci
ctest --preset ci
scripts/setup.sh fuzz
scripts/fuzz.sh 30
scripts/setup.sh asan-ubsan
ctest --preset asan-ubsan
