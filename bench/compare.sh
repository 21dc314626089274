#!/usr/bin/env bash
# The side-by-side comparison: builds the peers (release), runs ours and
# theirs alternately for several rounds and prints one table of medians per
# part.
#
#   bench/compare.sh                 # 5 rounds of every part: ~1.5 min a round on 2 cores
#   ROUNDS=3 SCALE=0.5 bench/compare.sh
#   PARTS=json,burst bench/compare.sh
#
# Parts (PARTS, comma-separated; default all):
#   chain    A. source -> 5 (and 10) trivial maps -> sum
#   fanout   B. source -> 4 workers x ~1 us -> merge -> sum
#   json     C. generate -> map building JSON -> filter on JSON fields -> count
#               by user, against Go (encoding/json) and a fused C++ loop
#   burst    D. 200 blocking calls of 1-10 ms, workers = 8, against a Go pool
#   scaling  E. msgs/s and speed-up at T = 1, 2, 4, 8, 16 threads (those
#               `nproc` has) for the fan-out and the JSON pipeline
#
# Environment: ROUNDS (5), SCALE (1: multiplies every message count),
# PARTS (all), JSON_THREADS (2: the threads of part C), BURST_N (200: the
# calls of part D, not scaled by SCALE), COUNT_WORKERS ("T": the workers of
# `count` in C and E are those of map and filter, so that it ends their
# fused chain and counts per core as the Go peer does; 1: one), SCALING_THREADS
# (the T list of part E), BUILD_DIR (build/release; configured with the
# release preset if absent). Raw runs land in $BUILD_DIR/bench/compare/raw.tsv.
#
# The Go peers need `go` (Debian: apt-get install golang-go); it is needed
# for this script only, and without it the Go rows are skipped.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${BUILD_DIR:-$root/build/release}")
rounds=${ROUNDS:-5}
scale=${SCALE:-1}
parts=${PARTS:-chain,fanout,json,burst,scaling}
json_threads=${JSON_THREADS:-2}
out=$build/bench/compare
peers=$build/bench/peers
sluice=$build/bin/sluice
# shellcheck source=bench/shapes.sh
source "$root/bench/shapes.sh"

want() { [[ ",$parts," == *",$1,"* ]]; }
for part in ${parts//,/ }; do
  case $part in
    chain | fanout | json | burst | scaling) ;;
    *) echo "unknown part '$part' in PARTS (chain, fanout, json, burst, scaling)" >&2 && exit 2 ;;
  esac
done

if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  (cd "$root" && cmake --preset release >/dev/null)
fi
echo "building the peers and sluice in $build ..." >&2
cmake --build "$build" --target bench_peers sluice >/dev/null
mkdir -p "$out"

have_go=0
if command -v go >/dev/null 2>&1; then
  # CGO off: static binaries, which bench/pack_for_device.sh copies as they are.
  export GOCACHE=$out/gocache GOPATH=$out/gopath GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
  (cd "$root/bench/peers" && go build -o "$out/go_chain" ./chain/go &&
    go build -o "$out/go_fanout" ./fanout/go && go build -o "$out/go_json" ./json/go &&
    go build -o "$out/go_burst" ./burst/go)
  have_go=1
else
  echo "note: 'go' not found: skipping the Go peers (apt-get install golang-go)" >&2
fi

n() { awk -v n="$1" -v s="$scale" 'BEGIN { printf "%d", n * s }'; }
spin=$("$peers/peer_calibrate")
echo "spin iterations per ~1 us: $spin" >&2

# The TOML twins of the C++ shapes (the others are in bench/shapes.sh). `map` with no options passes messages on
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

# run_toml SHAPE STAGES THREADS FILE MESSAGES [SLUICE ARGS...]: `sluice run`;
# wall from the stats' elapsed_s, CPU from time(1) (includes parsing, ~ms).
# The check: the sink `sum` got every message, or for the JSON pipeline
# (shape json) the checksum of what `count` wrote to $out/json_counts.tsv,
# whose total must be what `count` took in.
run_toml() {
  local shape=$1 stages=$2 threads=$3 file=$4 messages=$5
  shift 5
  rm -f "$out/json_counts.tsv"
  /usr/bin/time -f '%U %S %M' -o "$out/time" "$sluice" run "$file" --threads "$threads" \
    --set "stages.src.count=$messages" --stats-json "$out/stats.json" --progress never "$@" \
    >/dev/null
  local counts=""
  [[ $shape == json ]] && counts=$(json_checksum "$out/json_counts.tsv")
  python3 - "$out/stats.json" "$out/time" "$messages" "$shape" "$stages" "$threads" "$counts" \
    >>"$raw" <<'PY'
import json, sys
stats, timef, n, shape, stages, threads, counts = sys.argv[1:]
s = json.load(open(stats))
n = int(n)
if s["status"] != "ok":
    sys.exit(f"sluice run: status {s['status']}")
if counts:
    took = s["stages"]["count"]["in"]
    if int(counts.split("/")[0]) != took:
        sys.exit(f"sluice run: count took {took} messages but wrote counts {counts}")
    checksum = counts
else:
    got = s["stages"]["sum"]["in"]
    if got != n:
        sys.exit(f"sluice run: sink got {got} of {n}")
    checksum = f"count={got}"
user, sys_, rss = open(timef).read().split()[-3:]
wall = s["elapsed_s"] * 1e9 / n
cpu = (float(user) + float(sys_)) * 1e9 / n
print(f"{shape}\t{stages}\tsluice run (TOML)\t{threads}\t{wall:.3f}\t{cpu:.3f}\t{checksum}\t{rss}")
PY
}

chain5=$(chain_toml 5)
chain10=$(chain_toml 10)
fan=$out/fanout.toml
fanout_toml "$fan" 4
fan_n=$(n 800000)
json_n=$(n 1500000)
burst_n=${BURST_N:-200}  # not scaled: its wall time is the sleeps
burst_workers=8

# The thread counts of part E: those of 1 2 4 8 16 the machine has.
scaling_ts=${SCALING_THREADS:-$(for t in 1 2 4 8 16; do if ((t <= $(nproc))); then echo "$t"; fi; done)}
scaling_ts=$(xargs <<<"$scaling_ts")  # one line, single spaces
# The JSON pipeline runs once a round at each thread count parts C and E need.
json_ts=()
want json && json_ts+=("$json_threads")
if want scaling; then
  for t in $scaling_ts; do [[ " ${json_ts[*]} " == *" $t "* ]] || json_ts+=("$t"); done
fi
for t in "${json_ts[@]}"; do
  cw=${COUNT_WORKERS:-T}
  [[ $cw == T ]] && cw=$t
  json_toml "$out/json_$t.toml" "$t" "$out/json_counts.tsv" "$cw"
done
if want scaling; then
  for t in $scaling_ts; do fanout_toml "$out/fanout_$t.toml" "$t"; done
fi
burst=$out/burst.toml
burst_toml "$burst" "$burst_workers"

round_chain() {
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
}

round_fanout() {
  run fanout 4 "fused loop" 1 "$peers/peer_fanout_fused" "$fan_n" 1 "$spin"
  run fanout 4 "sluice C++ API" 2 "$peers/peer_fanout_sluice_api" "$fan_n" 2 "$spin"
  run fanout 4 "tbb::parallel_for" 2 "$peers/peer_fanout_parallel_for" "$fan_n" 2 "$spin"
  run_toml fanout 4 2 "$fan" "$fan_n"
  run fanout 4 "tbb::parallel_pipeline" 2 "$peers/peer_fanout_tbb_pipeline" "$fan_n" 2 "$spin"
  run fanout 4 "tbb::flow::graph" 2 "$peers/peer_fanout_tbb_flow" "$fan_n" 2 "$spin"
  if ((have_go)); then
    run fanout 4 "Go channels" 2 "$out/go_fanout" "$fan_n" 2 "$spin"
  fi
}

# C and the JSON half of E; `stages` is the workers of map and filter (= T).
round_json() {
  ((${#json_ts[@]})) || return 0
  run json 1 "fused loop (fmt + simdjson)" 1 "$peers/peer_json_fused" "$json_n" 1 0
  for t in "${json_ts[@]}"; do
    run_toml json "$t" "$t" "$out/json_$t.toml" "$json_n"
    if ((have_go)); then
      run json "$t" "Go encoding/json" "$t" "$out/go_json" "$json_n" "$t" 0
    fi
  done
}

round_burst() {
  run_toml burst "$burst_workers" 2 "$burst" "$burst_n" --plugin "$peers/bench_sleep.so"
  if ((have_go)); then
    run burst "$burst_workers" "Go worker pool" 2 "$out/go_burst" "$burst_n" 2 "$burst_workers"
  fi
}

# The fan-out half of E: workers = threads = T.
round_scaling() {
  for t in $scaling_ts; do
    run_toml scale_fanout "$t" "$t" "$out/fanout_$t.toml" "$fan_n"
    run scale_fanout "$t" "tbb::parallel_for" "$t" "$peers/peer_fanout_parallel_for" "$fan_n" "$t" "$spin"
  done
}

for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  if want chain; then round_chain; fi
  if want fanout; then round_fanout; fi
  round_json
  if want burst; then round_burst; fi
  if want scaling; then round_scaling; fi
done

python3 - "$raw" "$rounds" "$parts" "$json_threads" "$burst_n" "$burst_workers" \
  "$(burst_ideal_ms "$burst_n" "$burst_workers")" "${COUNT_WORKERS:-T}" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = {}
for key in {(r["shape"], r["stages"], r["impl"], r["threads"]) for r in rows}:
    rs = [r for r in rows if (r["shape"], r["stages"], r["impl"], r["threads"]) == key]
    med[key] = (statistics.median(float(r["ns_per_msg"]) for r in rs),
                statistics.median(float(r["cpu_ns_per_msg"]) for r in rs),
                max(int(r["rss_kb"]) for r in rs))
parts = set(sys.argv[3].split(","))
json_threads, burst_n, burst_workers, burst_ideal_ms, count_workers = sys.argv[4:9]
# The fan-out programs all do the same work: their sums must agree; so must
# the JSON pipeline's counts, whoever counted and on however many threads.
for shapes in (("fanout", "scale_fanout"), ("json",)):
    sums = {r["checksum"] for r in rows
            if r["shape"] in shapes and not r["checksum"].startswith("count")}
    if len(sums) > 1:
        sys.exit(f"{shapes[0]} checksums disagree: {sums}")

# limit: (impl, threads) of this shape and stages, or a whole key.
def table(shape, stages, ours, limit, title, extra=()):
    print(f"\n{title} (median of {sys.argv[2]} rounds)\n")
    print("| implementation | threads | ns/msg | CPU ns/msg | peak RSS MB | ours / this |")
    print("|---|---|---|---|---|---|")
    o = med[(shape, stages, *ours)][0]
    keys = sorted({k for k in med if k[0] == shape and k[1] == stages} | set(extra),
                  key=lambda k: med[k][0])
    for k in keys:
        ns, cpu, rss = med[k]
        print(f"| {k[2]} | {k[3]} | {ns:.1f} | {cpu:.1f} | {rss / 1024:.0f} | {o / ns:.2f} |")
    lim = med[limit if len(limit) == 4 else (shape, stages, *limit)][0]
    print(f"\nours = {ours[0]} on {ours[1]} threads; ours / limit ({limit[-2]}) = {o / lim:.2f}")

if "chain" in parts:
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
if "fanout" in parts:
    table("fanout", "4", ("sluice C++ API", "2"), ("tbb::parallel_for", "2"),
          "B. source -> 4 workers x ~1 us -> merge -> sum")
    fused = med[("fanout", "4", "fused loop", "1")][1]
    ours = med[("fanout", "4", "sluice C++ API", "2")][1]
    print(f"\nB: CPU overhead of ours per message = {ours - fused:.0f} ns "
          f"(ours' CPU ns/msg minus the fused loop's)")

if json_threads in {k[3] for k in med if k[0] == "json"} and "json" in parts:
    fused = ("json", "1", "fused loop (fmt + simdjson)", "1")
    table("json", json_threads, ("sluice run (TOML)", json_threads), fused,
          f"C. generate -> map (JSON document) -> filter (.level, .amount) -> count by .user, "
          f"workers = threads = {json_threads}, count workers = {count_workers}", extra=[fused])
    counts = sorted({r["checksum"] for r in rows if r["shape"] == "json"})
    print(f"\nC: every run counted the same: counted/groups/weighted = {counts[0]}")

if "burst" in parts:
    n, ideal = int(burst_n), float(burst_ideal_ms)
    print(f"\nD. a burst of {n} blocking calls of 1-10 ms, workers = {burst_workers} "
          f"(median of {sys.argv[2]} rounds)\n")
    print("| implementation | threads | wall ms | ideal ms | wall / ideal | ours / this |")
    print("|---|---|---|---|---|---|")
    keys = sorted((k for k in med if k[0] == "burst"), key=lambda k: med[k][0])
    ours = med.get(("burst", burst_workers, "sluice run (TOML)", "2"), (float("nan"),))[0]
    for k in keys:
        wall = med[k][0] * n / 1e6
        print(f"| {k[2]} | {k[3]} | {wall:.1f} | {ideal:.1f} | {wall / ideal:.2f} | "
              f"{ours / med[k][0]:.2f} |")
    print(f"\nideal = the sum of the durations / {burst_workers} workers")

if "scaling" in parts:
    ts = sorted({int(k[3]) for k in med if k[0] == "scale_fanout"} |
                {int(k[3]) for k in med if k[0] == "json" and k[2] != "fused loop (fmt + simdjson)"})
    print(f"\nE. thread scaling: msgs/s (speed-up over the same implementation at T = {ts[0]}), "
          f"workers = threads = T (median of {sys.argv[2]} rounds)\n")
    print("| shape | implementation | " + " | ".join(f"T = {t}" for t in ts) + " |")
    print("|---|---|" + "---|" * len(ts))
    for shape, label in (("scale_fanout", "fan-out, 1 us"), ("json", "JSON pipeline")):
        for impl in sorted({k[2] for k in med if k[0] == shape}):
            cells, base = [], None
            for t in ts:
                k = next((k for k in med if k[0] == shape and k[2] == impl and k[3] == str(t)
                          and (shape != "json" or k[1] == str(t))), None)
                if k is None:
                    cells.append("")
                    continue
                rate = 1e9 / med[k][0]
                base = base or (rate if t == ts[0] else None)
                cells.append(f"{rate / 1e6:.2f} M" + (f" ({rate / base:.2f}x)" if base else ""))
            print(f"| {label} | {impl} | " + " | ".join(cells) + " |")
PY
