#!/usr/bin/env bash
# What --trace costs on the 5-map chain (bench_chain's BM_ChainTrace): each
# configuration run ROUNDS times (default 8), alternated, and compared by
# its best run, since a shared machine only ever adds time.
#
#   bench/trace_cost.sh            # prints ns/msg and the ratios to tracing off
#   ROUNDS=15 bench/trace_cost.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BUILD_DIR:-$root/build/release}/bench/bench_chain
rounds=${ROUNDS:-8}
configs=(threads:1/trace:0 threads:1/trace:1 threads:1/trace:2
         threads:2/trace:0 threads:2/trace:1 threads:2/trace:2)
for ((r = 0; r < rounds; r++)); do
  for c in "${configs[@]}"; do
    ns=$("$bench" --benchmark_filter="BM_ChainTrace/$c/" --benchmark_min_time=0.3 2>/dev/null |
         sed -n 's/.*ns_per_msg=\([0-9.]*\).*/\1/p')
    echo "$c $ns"
  done
done | awk '
  { if (!($1 in best) || $2 < best[$1]) best[$1] = $2 }
  END {
    for (t = 1; t <= 2; t++) {
      off = best["threads:" t "/trace:0"]; on = best["threads:" t "/trace:1"]
      spans = best["threads:" t "/trace:2"]
      printf "%d thread%s: off %.1f ns/msg, default sampling %.1f (%.2fx), spans only %.1f (%.2fx)\n",
             t, t == 1 ? "" : "s", off, on, on / off, spans, spans / off
    }
  }'
