#!/usr/bin/env bash
# Set up, build, and run the whole test suite: every test on the release
# build, then the tests labelled `sanitize` (unit and stress tests) under
# AddressSanitizer + UBSan (preset debug) and ThreadSanitizer (preset tsan),
# then fuzzes the DSL entry for a minute (scripts/fuzz.sh, preset fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-tools

scripts/check-format.sh
jobs=$(nproc)
ctest --preset release -j "$jobs" --no-tests=error

for preset in debug tsan; do
  echo "== $preset: sanitizer build of the tests that matter for it"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target sanitize_tests
  ctest --preset "$preset" -j "$jobs" --no-tests=error
done

scripts/fuzz.sh 60
echo "all tests passed"
