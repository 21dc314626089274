#!/usr/bin/env bash
# Builds the DSL's libFuzzer target (preset `fuzz`: clang++, ASan + UBSan) and
# runs it for SECONDS (default 60), seeded with pipelines/ and
# tests/diagnostics/. Fails on a crash, a hang (5 s on one input), or 2 GiB of
# memory; the input that did it is saved under build/fuzz/dsl_fuzz/artifacts/.
#
#   scripts/fuzz.sh [SECONDS]
#   build/fuzz/tests/fuzz/dsl_fuzz build/fuzz/dsl_fuzz/artifacts/crash-...   # replay one
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

bin=build/fuzz/tests/fuzz/dsl_fuzz
work=build/fuzz/dsl_fuzz
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
find pipelines tests/diagnostics -name "*.toml" -exec cp {} "$work/seeds/" \;

echo "== fuzz: dsl_fuzz for ${seconds}s"
# New inputs go to the first directory, which is kept between runs.
if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$bin" "$work/corpus" "$work/seeds" -dict=tests/fuzz/dsl.dict \
  -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1; then
  echo "fuzz: dsl_fuzz failed; the input is in $work/artifacts/ (replay: $bin FILE)" >&2
  exit 1
fi
echo "fuzz: no crash, hang or leak in ${seconds}s"
