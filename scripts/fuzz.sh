#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang++, ASan + UBSan) and runs
# each for half of SECONDS (default 60 in all):
#   dsl_fuzz   the pipeline loader, seeded with pipelines/ and tests/diagnostics/
#   expr_fuzz  expressions and templates, compiled and evaluated, seeded with
#              tests/fuzz/expr_corpus/
# Fails on a crash, a hang (5 s on one input), or 2 GiB of memory; the input
# that did it is saved under build/fuzz/TARGET/artifacts/.
#
#   scripts/fuzz.sh [SECONDS]
#   build/fuzz/tests/fuzz/dsl_fuzz build/fuzz/dsl_fuzz/artifacts/crash-...   # replay one
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
share=$(((seconds + 1) / 2))

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

# fuzz TARGET DICT SEEDS...: runs build/fuzz/tests/fuzz/TARGET for $share s.
fuzz() {
  local target=$1 dict=$2
  shift 2
  local bin=build/fuzz/tests/fuzz/$target work=build/fuzz/$target
  mkdir -p "$work/corpus" "$work/artifacts"
  echo "== fuzz: $target for ${share}s"
  # New inputs go to the first directory, which is kept between runs.
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" "$work/corpus" "$@" -dict="$dict" \
    -max_total_time="$share" -timeout=5 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1; then
    echo "fuzz: $target failed; the input is in $work/artifacts/ (replay: $bin FILE)" >&2
    exit 1
  fi
}

seeds=build/fuzz/dsl_fuzz/seeds
mkdir -p "$seeds"
find pipelines tests/diagnostics -name "*.toml" -exec cp {} "$seeds/" \;
fuzz dsl_fuzz tests/fuzz/dsl.dict "$seeds"
fuzz expr_fuzz tests/fuzz/expr.dict tests/fuzz/expr_corpus
echo "fuzz: no crash, hang or leak in ${seconds}s"
