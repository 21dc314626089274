#!/usr/bin/env bash
# What `sluice tap` costs the run it watches: a 10M-message chain
# (generate -> 2 maps -> discard) run ROUNDS times (default 6) without a tap
# and with one on the first map for the whole run (--rate 1000), alternated;
# prints each run's elapsed_s and the ratios of the best and median runs.
#
#   bench/tap_cost.sh
#   ROUNDS=10 PORT=19555 bench/tap_cost.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sluice=${BUILD_DIR:-$root/build/release}/bin/sluice
rounds=${ROUNDS:-6}
port=${PORT:-19555}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > chain.toml <<'TOML'
[pipeline]
threads = 2
[stages.src]
type = "generate"
count = 10000000
[stages.m1]
type = "map"
inputs = ["src"]
key = "k{seq % 10}"
[stages.m2]
type = "map"
inputs = ["m1"]
priority = "1"
[stages.out]
type = "discard"
inputs = ["m2"]
TOML
elapsed() { sed -n 's/.*"elapsed_s": *\([0-9.]*\).*/\1/p' "$1"; }
for ((r = 0; r < rounds; r++)); do
  "$sluice" run chain.toml --progress never --stats-json plain.json 2>/dev/null
  echo "plain $(elapsed plain.json)"
  "$sluice" run chain.toml --progress never --control "127.0.0.1:$port" \
    --stats-json tapped.json 2>/dev/null &
  run=$!
  for _ in $(seq 200); do  # until the run's server answers
    "$sluice" tap "127.0.0.1:$port" m1 --rate 1000 > tap.out 2>/dev/null && break
    sleep 0.01
  done
  wait "$run"
  echo "tapped $(elapsed tapped.json) ($(wc -l < tap.out) messages printed)"
done | tee runs.txt
sort -k2 -n runs.txt | awk '
  $1 == "plain" { plain[++np] = $2 }
  $1 == "tapped" { tapped[++nt] = $2 }
  END {
    printf "best: tapped / plain = %.3f; median: %.3f\n", tapped[1] / plain[1],
           tapped[int((nt + 1) / 2)] / plain[int((np + 1) / 2)]
  }'
