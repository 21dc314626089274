#!/usr/bin/env bash
# The side-by-side comparison: builds the peers (release), runs ours and
# theirs alternately for several rounds and prints one table of medians.
#
#   bench/compare.sh                 # 5 rounds, ~0.5-1 s per run
#   ROUNDS=3 SCALE=0.5 bench/compare.sh
#
# Environment: ROUNDS (5), SCALE (1: multiplies every message count),
# BUILD_DIR (build/release; configured with the release preset if absent).
# Raw runs land in $BUILD_DIR/bench/compare/raw.tsv.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
rounds=${ROUNDS:-5}
scale=${SCALE:-1}
out=$build/bench/compare
peers=$build/bench/peers
sluice=$build/bin/sluice

if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  (cd "$root" && cmake --preset release >/dev/null)
fi
echo "building the peers and sluice in $build ..." >&2
cmake --build "$build" --target bench_peers sluice >/dev/null
mkdir -p "$out"

have_go=0
if command -v go >/dev/null 2>&1; then
  export GOCACHE=$out/gocache GOPATH=$out/gopath GOFLAGS=-mod=mod GOTOOLCHAIN=local
  (cd "$root/bench/peers" && go build -o "$out/go_chain" ./chain/go &&
    go build -o "$out/go_fanout" ./fanout/go)
  have_go=1
else
  echo "note: 'go' not found: skipping the Go peers (apt-get install golang-go)" >&2
fi

n() { awk -v n="$1" -v s="$scale" 'BEGIN { printf "%d", n * s }'; }
spin=$("$peers/peer_calibrate")
echo "spin iterations per ~1 us: $spin" >&2

# The TOML twin of the C++ shapes. `map` with no options passes messages on
# unchanged (it has no arithmetic), and `work` spins on the clock for 1 us.
chain_toml() {  # stages
  local f=$out/chain_$1.toml prev=src
  printf '[stages.src]\ntype = "generate"\npayload = ""\n' >"$f"
  for ((s = 0; s < $1; s++)); do
    printf '\n[stages.map%d]\ntype = "map"\ninputs = ["%s"]\n' "$s" "$prev" >>"$f"
    prev=map$s
  done
  printf '\n[stages.sum]\ntype = "discard"\ninputs = ["%s"]\n' "$prev" >>"$f"
  echo "$f"
}
fanout_toml() {
  local f=$out/fanout.toml
  printf '[stages.src]\ntype = "generate"\npayload = ""\n\n' >"$f"
  printf '[stages.work]\ntype = "work"\ninputs = ["src"]\nmicros = 1\nworkers = 4\n\n' >>"$f"
  printf '[stages.sum]\ntype = "discard"\ninputs = ["work"]\n' >>"$f"
  echo "$f"
}

raw=$out/raw.tsv
printf 'shape\tstages\timpl\tthreads\tns_per_msg\tcpu_ns_per_msg\tchecksum\trss_kb\n' >"$raw"

# run SHAPE STAGES IMPL THREADS CMD...: a program printing the peer line.
run() {
  local shape=$1 stages=$2 impl=$3 threads=$4
  shift 4
  local line
  line=$(/usr/bin/time -f %M -o "$out/rss" "$@") || {
    echo "FAILED: $impl $shape $stages threads=$threads" >&2
    return 1
  }
  local ns cpu sum
  ns=$(sed -n 's/.*ns_per_msg=\([^ ]*\) cpu.*/\1/p' <<<"$line")
  cpu=$(sed -n 's/.*cpu_ns_per_msg=\([^ ]*\).*/\1/p' <<<"$line")
  sum=$(sed -n 's/.*checksum=\([^ ]*\).*/\1/p' <<<"$line")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$shape" "$stages" "$impl" "$threads" "$ns" "$cpu" \
    "$sum" "$(tail -1 "$out/rss")" >>"$raw"
}

# run_toml SHAPE STAGES THREADS FILE MESSAGES: `sluice run`; wall from the
# stats' elapsed_s, CPU from time(1) (includes parsing, ~ms), and the check
# is that the sink got every message.
run_toml() {
  local shape=$1 stages=$2 threads=$3 file=$4 messages=$5
  /usr/bin/time -f '%U %S %M' -o "$out/time" "$sluice" run "$file" --threads "$threads" \
    --set "stages.src.count=$messages" --stats-json "$out/stats.json" --progress never \
    >/dev/null
  python3 - "$out/stats.json" "$out/time" "$messages" "$shape" "$stages" "$threads" >>"$raw" <<'PY'
import json, sys
stats, timef, n, shape, stages, threads = sys.argv[1:]
s = json.load(open(stats))
n = int(n)
got = s["stages"]["sum"]["in"]
if s["status"] != "ok" or got != n:
    sys.exit(f"sluice run: status {s['status']}, sink got {got} of {n}")
user, sys_, rss = open(timef).read().split()[-3:]
wall = s["elapsed_s"] * 1e9 / n
cpu = (float(user) + float(sys_)) * 1e9 / n
print(f"{shape}\t{stages}\tsluice run (TOML)\t{threads}\t{wall:.3f}\t{cpu:.3f}\tcount={got}\t{rss}")
PY
}

chain5=$(chain_toml 5)
chain10=$(chain_toml 10)
fan=$(fanout_toml)
fan_n=$(n 800000)

for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  for stages in 5 10; do
    toml=$chain5
    [[ $stages == 10 ]] && toml=$chain10
    # Ours and theirs alternate.
    run chain "$stages" "fused loop" 1 "$peers/peer_chain_fused" "$(n 300000000)" 1 "$stages"
    run chain "$stages" "sluice C++ API" 1 "$peers/peer_chain_sluice_api" "$(n 12000000)" 1 "$stages"
    run chain "$stages" "tbb::parallel_pipeline" 1 "$peers/peer_chain_tbb_pipeline" "$(n 6000000)" 1 "$stages"
    run chain "$stages" "sluice C++ API" 2 "$peers/peer_chain_sluice_api" "$(n 12000000)" 2 "$stages"
    run chain "$stages" "tbb::parallel_pipeline" 2 "$peers/peer_chain_tbb_pipeline" "$(n 6000000)" 2 "$stages"
    run_toml chain "$stages" 2 "$toml" "$(n 6000000)"
    run chain "$stages" "tbb::flow::graph" 2 "$peers/peer_chain_tbb_flow" "$(n 1600000)" 2 "$stages"
    run_toml chain "$stages" 1 "$toml" "$(n 6000000)"
    run chain "$stages" "sluice C++ API, unfused" 1 "$peers/peer_chain_sluice_api" "$(n 12000000)" 1 "$stages" unfused
    if ((have_go)); then
      run chain "$stages" "Go channels" 2 "$out/go_chain" "$(n 4000000)" 2 "$stages"
    fi
  done
  run fanout 4 "fused loop" 1 "$peers/peer_fanout_fused" "$fan_n" 1 "$spin"
  run fanout 4 "sluice C++ API" 2 "$peers/peer_fanout_sluice_api" "$fan_n" 2 "$spin"
  run fanout 4 "tbb::parallel_for" 2 "$peers/peer_fanout_parallel_for" "$fan_n" 2 "$spin"
  run_toml fanout 4 2 "$fan" "$fan_n"
  run fanout 4 "tbb::parallel_pipeline" 2 "$peers/peer_fanout_tbb_pipeline" "$fan_n" 2 "$spin"
  run fanout 4 "tbb::flow::graph" 2 "$peers/peer_fanout_tbb_flow" "$fan_n" 2 "$spin"
  if ((have_go)); then
    run fanout 4 "Go channels" 2 "$out/go_fanout" "$fan_n" 2 "$spin"
  fi
done

python3 - "$raw" "$rounds" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = {}
for key in {(r["shape"], r["stages"], r["impl"], r["threads"]) for r in rows}:
    rs = [r for r in rows if (r["shape"], r["stages"], r["impl"], r["threads"]) == key]
    med[key] = (statistics.median(float(r["ns_per_msg"]) for r in rs),
                statistics.median(float(r["cpu_ns_per_msg"]) for r in rs),
                max(int(r["rss_kb"]) for r in rs))
# The fan-out programs all do the same work: their sums must agree.
sums = {r["checksum"] for r in rows if r["shape"] == "fanout" and not r["checksum"].startswith("count")}
if len(sums) > 1:
    sys.exit(f"fan-out checksums disagree: {sums}")

def table(shape, stages, ours, limit, title):
    print(f"\n{title} (median of {sys.argv[2]} rounds)\n")
    print("| implementation | threads | ns/msg | CPU ns/msg | peak RSS MB | ours / this |")
    print("|---|---|---|---|---|---|")
    o = med[(shape, stages, *ours)][0]
    keys = sorted((k for k in med if k[0] == shape and k[1] == stages), key=lambda k: med[k][0])
    for k in keys:
        ns, cpu, rss = med[k]
        print(f"| {k[2]} | {k[3]} | {ns:.1f} | {cpu:.1f} | {rss / 1024:.0f} | {o / ns:.2f} |")
    lim = med[(shape, stages, *limit)][0]
    print(f"\nours = {ours[0]} on {ours[1]} threads; ours / limit ({limit[0]}) = {o / lim:.2f}")

table("chain", "5", ("sluice C++ API", "2"), ("fused loop", "1"),
      "A. source -> 5 trivial maps -> sum")
one = med.get(("chain", "5", "sluice C++ API", "1"))
two = med.get(("chain", "5", "sluice C++ API", "2"))
print(f"\nA: ours on 2 threads / ours on 1 thread = {two[0] / one[0]:.2f} (target <= 1)")
print("\nA'. cost of one extra stage = (10-stage ns/msg - 5-stage ns/msg) / 5\n")
print("| implementation | threads | ns per extra stage | CPU ns per extra stage |")
print("|---|---|---|---|")
for k in sorted((k for k in med if k[0] == "chain" and k[1] == "5"), key=lambda k: med[k][0]):
    k10 = ("chain", "10", k[2], k[3])
    if k10 in med:
        print(f"| {k[2]} | {k[3]} | {(med[k10][0] - med[k][0]) / 5:.1f} | "
              f"{(med[k10][1] - med[k][1]) / 5:.1f} |")
table("fanout", "4", ("sluice C++ API", "2"), ("tbb::parallel_for", "2"),
      "B. source -> 4 workers x ~1 us -> merge -> sum")
fused = med[("fanout", "4", "fused loop", "1")][1]
ours = med[("fanout", "4", "sluice C++ API", "2")][1]
print(f"\nB: CPU overhead of ours per message = {ours - fused:.0f} ns "
      f"(ours' CPU ns/msg minus the fused loop's)")
PY
