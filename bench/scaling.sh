#!/usr/bin/env bash
# Thread scaling and the burst to a slow call, for a many-core machine that
# has none of our packages: everything runs from a folder made by
# bench/pack_for_device.sh, through its own loader and libraries. Needs bash,
# awk and coreutils only.
#
#   bench/pack_for_device.sh /tmp/pack     # here
#   /tmp/pack/scaling.sh /tmp/pack         # there (or bench/scaling.sh /tmp/pack)
#
# Prints, for T = 1, 2, 4, 8, 16 (those `nproc` has; THREADS overrides):
#   - the fan-out (generate -> work 1 us, workers = T -> discard) and
#     tbb::parallel_for over the same ~1 us of work;
#   - the JSON pipeline (generate -> map building JSON -> filter -> count by
#     user, map and filter with workers = T), with count on one worker and
#     on T, and the Go peer with T goroutines; the fused single-thread C++
#     loop once, as the limit;
#   msgs/s and speed-up over T = 1, medians of ROUNDS runs; then
#   - the burst: BURST_N blocking calls of 1-10 ms with workers = 8 and 16,
#     against a Go pool of as many goroutines, and the ideal (sum / workers).
#
# Environment: ROUNDS (3), SCALE (1; the counts are 4 M fan-out and 3 M
# JSON messages at 1), THREADS ("1 2 4 8 16" up to nproc), BURST_N (200),
# MALLOC ("tbb":
# preload oneTBB's scalable allocator into sluice). The JSON counts of every
# run must agree (checked: exit 1 if not).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 PACKED_DIR (made by bench/pack_for_device.sh)" >&2
  exit 2
fi
dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/shapes.sh
source "$here/shapes.sh"

rounds=${ROUNDS:-3}
scale=${SCALE:-1}
burst_n=${BURST_N:-200}
cores=$(nproc)
threads=${THREADS:-$(for t in 1 2 4 8 16; do if ((t <= cores)); then echo "$t"; fi; done)}
threads=$(xargs <<<"$threads")  # one line, single spaces
max_t=${threads##* }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

n() { awk -v n="$1" -v s="$scale" 'BEGIN { printf "%d", n * s }'; }
fan_n=$(n 4000000)
json_n=$(n 3000000)

# x PROGRAM ARGS...: a packed program through the packed loader.
preload=()
if [[ ${MALLOC:-} == tbb ]]; then preload=(--preload "$dir/lib/libtbbmalloc_proxy.so.2"); fi
x() { "$dir/ld-linux-x86-64.so.2" --library-path "$dir/lib" "$@"; }

raw=$work/raw.tsv
: >"$raw"
# record SHAPE IMPL T NS_PER_MSG CHECKSUM
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$raw"; }

# peer SHAPE IMPL T CMD...: a peer printing "ns_per_msg=... checksum=...".
peer() {
  local shape=$1 impl=$2 t=$3 line
  shift 3
  line=$("$@") || {
    echo "FAILED: $impl $shape T=$t" >&2
    exit 1
  }
  record "$shape" "$impl" "$t" "$(sed -n 's/.*ns_per_msg=\([^ ]*\) cpu.*/\1/p' <<<"$line")" \
    "$(sed -n 's/.*checksum=\([^ ]*\).*/\1/p' <<<"$line")"
}

# ours SHAPE IMPL T FILE MESSAGES [ARGS...]: `sluice run`; wall from the stats.
ours() {
  local shape=$1 impl=$2 t=$3 file=$4 messages=$5 stats=$work/stats.json sum
  shift 5
  rm -f "$work/counts.tsv"
  x "${preload[@]}" "$dir/sluice" run "$file" --threads "$t" --set "stages.src.count=$messages" \
    --stats-json "$stats" --progress never "$@" >/dev/null || {
    echo "FAILED: sluice $shape T=$t" >&2
    exit 1
  }
  if ! grep -q '"status": *"ok"' "$stats"; then
    echo "sluice $shape T=$t: status is not ok" >&2
    exit 1
  fi
  if [[ $shape == json ]]; then
    sum=$(json_checksum "$work/counts.tsv")
  else
    sum=count=$(stats_stage_field "$stats" sum in)
    if [[ $sum != "count=$messages" ]]; then
      echo "sluice $shape T=$t: the sink got $sum of $messages" >&2
      exit 1
    fi
  fi
  record "$shape" "$impl" "$t" \
    "$(awk -v s="$(stats_field "$stats" elapsed_s)" -v n="$messages" 'BEGIN { print s * 1e9 / n }')" \
    "$sum"
}

spin=$(x "$dir/peer_calibrate")
for t in $threads; do
  fanout_toml "$work/fanout_$t.toml" "$t"
  json_toml "$work/json_$t.toml" "$t" "$work/counts.tsv" 1
  json_toml "$work/json_count_$t.toml" "$t" "$work/counts.tsv" "$t"
done
sluice="sluice run (TOML)"
sluice_cw="sluice run, count workers = T"
for w in 8 16; do burst_toml "$work/burst_$w.toml" "$w"; done

echo "$cores cores; T = $threads; $rounds rounds; fan-out $fan_n, JSON $json_n messages;" \
  "MALLOC=${MALLOC:-default}" >&2
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  peer json "fused loop (fmt + simdjson)" 1 x "$dir/peer_json_fused" "$json_n" 1 0
  for t in $threads; do
    ours fanout "$sluice" "$t" "$work/fanout_$t.toml" "$fan_n"
    peer fanout "tbb::parallel_for" "$t" x "$dir/peer_fanout_parallel_for" "$fan_n" "$t" "$spin"
    ours json "$sluice" "$t" "$work/json_$t.toml" "$json_n"
    ours json "$sluice_cw" "$t" "$work/json_count_$t.toml" "$json_n"
    peer json "Go encoding/json" "$t" "$dir/go_json" "$json_n" "$t" 0
  done
  for w in 8 16; do
    ours "burst$w" "$sluice" "$max_t" "$work/burst_$w.toml" "$burst_n" --plugin "$dir/bench_sleep.so"
    peer "burst$w" "Go worker pool" "$max_t" "$dir/go_burst" "$burst_n" "$max_t" "$w"
  done
done

sums=$(awk -F '\t' '$1 == "json" { print $5 }' "$raw" | sort -u)
if [[ $(wc -l <<<"$sums") -ne 1 ]]; then
  echo "the JSON counts disagree between runs: $(xargs <<<"$sums")" >&2
  exit 1
fi

# median SHAPE IMPL T: the median ns/msg of those runs (empty if none).
median() {
  awk -F '\t' -v s="$1" -v i="$2" -v t="$3" '$1 == s && $2 == i && $3 == t { print $4 }' "$raw" |
    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

echo
echo "Thread scaling: msgs/s (speed-up over T = ${threads%% *}), workers = threads = T," \
  "median of $rounds; $cores cores; MALLOC=${MALLOC:-default}"
echo
printf '| shape | implementation |'
for t in $threads; do printf ' T = %s |' "$t"; done
printf '\n|---|---|'
for t in $threads; do printf -- '---|'; done
echo
row() {
  local shape=$1 label=$2 impl=$3 base="" ns
  printf '| %s | %s |' "$label" "$impl"
  for t in $threads; do
    ns=$(median "$shape" "$impl" "$t")
    if [[ -z $ns ]]; then
      printf ' |'
      continue
    fi
    [[ -z $base ]] && base=$ns
    awk -v ns="$ns" -v b="$base" 'BEGIN { printf " %.2f M (%.2fx) |", 1e3 / ns, b / ns }'
  done
  echo
}
row fanout "fan-out, 1 us" "$sluice"
row fanout "fan-out, 1 us" "tbb::parallel_for"
row json "JSON pipeline" "$sluice"
row json "JSON pipeline" "$sluice_cw"
row json "JSON pipeline" "Go encoding/json"
row json "JSON pipeline" "fused loop (fmt + simdjson)"
echo
echo "JSON counts (counted/groups/weighted), the same in every run: $sums"

echo
echo "Burst: $burst_n blocking calls of 1-10 ms, threads = $max_t, median of $rounds"
echo
echo "| workers | implementation | wall ms | ideal ms | wall / ideal |"
echo "|---|---|---|---|---|"
for w in 8 16; do
  ideal=$(burst_ideal_ms "$burst_n" "$w")
  for impl in "$sluice" "Go worker pool"; do
    ns=$(median "burst$w" "$impl" "$max_t")
    awk -v w="$w" -v i="$impl" -v ns="$ns" -v n="$burst_n" -v id="$ideal" 'BEGIN {
      printf "| %d | %s | %.1f | %.1f | %.2f |\n", w, i, ns * n / 1e6, id, ns * n / 1e6 / id }'
  done
done
