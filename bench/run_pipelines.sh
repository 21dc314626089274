#!/usr/bin/env bash
# End to end: `sluice run` of the sample pipelines (pipelines/*.toml), made
# bigger with --set where they are small, and a long discard run for flat
# memory. Prints messages per second (from --stats-json: the source's `out`
# over elapsed_s) and peak RSS (time -f %M).
#
#   bench/run_pipelines.sh            # uses build/release/bin/sluice
#   LONG=1 bench/run_pipelines.sh     # also 100 million messages (flat memory)
#
# Environment: BUILD_DIR (build/release), LONG (0).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
sluice=$build/bin/sluice
[[ -x $sluice ]] || cmake --build "$build" --target sluice >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Per sample: the --set overrides that make it run long enough to measure.
declare -A bigger=(
  [quickstart]="--set stages.events.count=2000 --set stages.events.rate=0 --set stages.enrich.micros=50"
  [ordered_workers]="--set stages.numbers.count=20000"
)

# Samples that use the example plugins' types load them (built by the main build).
plugins=()
for so in "$build"/plugins/*.so; do
  [[ -e $so ]] && plugins+=(--plugin "$so")
done

printf '%-28s %12s %12s %10s %s\n' pipeline messages msgs/s rss_MB overrides
measure() {  # NAME FILE OVERRIDES...
  local name=$1 file=$2
  shift 2
  if ! (cd "$work" && /usr/bin/time -f %M -o "$work/rss" "$sluice" run "$file" "$@" \
    "${plugins[@]}" --stats-json "$work/stats.json" --progress never >/dev/null 2>"$work/log"); then
    cat "$work/log" >&2
    exit 1
  fi
  python3 - "$work/stats.json" "$(tail -1 "$work/rss")" "$name" "$*" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
if s["status"] != "ok":
    sys.exit(f"{sys.argv[3]}: status {s['status']}")
# Messages = what the sources emitted (stages with in == 0).
n = sum(st["out"] for st in s["stages"].values() if st["in"] == 0)
print(f"{sys.argv[3]:<28} {n:>12} {n / s['elapsed_s']:>12.0f} {int(sys.argv[2]) / 1024:>10.1f} {sys.argv[4]}")
PY
}

for file in "$root"/pipelines/*.toml; do
  name=$(basename "$file" .toml)
  # shellcheck disable=SC2086  # the overrides are several words on purpose
  measure "$name" "$file" ${bigger[$name]:-}
done

# Flat memory: the same 5-map chain for 1 and 20 million messages (100
# million with LONG=1); peak RSS should not grow with the count.
chain=$work/chain.toml
{
  printf '[stages.src]\ntype = "generate"\n'
  prev=src
  for s in 0 1 2 3 4; do
    printf '\n[stages.map%d]\ntype = "map"\ninputs = ["%s"]\n' "$s" "$prev"
    prev=map$s
  done
  printf '\n[stages.sink]\ntype = "discard"\ninputs = ["%s"]\n' "$prev"
} >"$chain"
counts=(1000000 20000000)
[[ ${LONG:-0} == 1 ]] && counts+=(100000000)
for count in "${counts[@]}"; do
  measure "chain5 x $count" "$chain" --set "stages.src.count=$count"
done
