#!/usr/bin/env bash
# Messages per second through a sluice `nats` worker (nats -> file) with 1 and
# 2 runners, next to the bare nats.c fetch-and-ack loop (fetch_ack.cpp), in
# one run against a private nats-server on loopback.
#
#   bench/peers/nats/run.sh [BUILD_DIR] [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/../../.."
build=${1:-build/release}
n=${2:-100000}
sluice=$(realpath "$build/bin/sluice")
peer=$(realpath "$build/bench/peers/peer_nats_fetch_ack")
server=$(command -v nats-server || echo /usr/sbin/nats-server)
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -rf "$work"' EXIT
"$server" -js -a 127.0.0.1 -p -1 -sd "$work/store" --ports_file_dir "$work" >"$work/log" 2>&1 &
srv=$!
until ls "$work"/*.ports >/dev/null 2>&1; do sleep 0.05; done
url=$(python3 -c 'import json,glob,sys;print(json.load(open(glob.glob(sys.argv[1]+"/*.ports")[0]))["nats"][0])' "$work")
seq 1 "$n" | sed 's/^/order-/' >"$work/orders.txt"
publish() {
  "$sluice" run pipelines/nats/producer.toml --set "stages.lines.path=$work/orders.txt" \
    --set "stages.publish.url=$url" --set "stages.publish.msg_id=\"run$1-{seq}\"" 2>/dev/null
}
cat >"$work/worker.toml" <<TOML
[pipeline]
threads = 2
[stages.orders]
type = "nats"
url = "$url"
stream = "ORDERS"
subject = "orders.new"
consumer = "bench"
create = true
max_inflight = 1024
fetch_batch = 256
stop_when_idle = "1s"
[stages.out]
type = "file"
inputs = ["orders"]
path = "out.txt"
TOML
# The consumer must exist before the bare loop binds to it.
publish 0
(cd "$work" && "$sluice" run worker.toml >/dev/null 2>&1)
# Both are timed alike: from launching the runners to the last write of their
# output files (the payloads written before the acks), so the idle time each
# needs to notice the stream is empty does not count.
rate_of_outputs() {  # START_NS OUTPUT...
  python3 - "$@" <<'PY'
import os, sys
start = int(sys.argv[1])
files = sys.argv[2:]
total = sum(sum(1 for _ in open(f, "rb")) for f in files)
secs = (max(os.stat(f).st_mtime_ns for f in files) - start) / 1e9
print(f"{total} msgs in {secs:.2f}s = {total / secs:.0f} msg/s")
PY
}
for runners in 1 2; do
  publish "bare$runners"
  pids=()
  start=$(date +%s%N)
  for r in $(seq "$runners"); do
    "$peer" "$url" ORDERS orders.new bench 256 "$work/bare$r.txt" 1000 >"$work/bare$r.out" & pids+=($!)
  done
  wait "${pids[@]}"
  echo "bare nats.c fetch+ack, $runners runner(s): $(rate_of_outputs "$start" "$work"/bare*.txt)"
  rm -f "$work"/bare*
  publish "sluice$runners"
  pids=()
  start=$(date +%s%N)
  for r in $(seq "$runners"); do
    (cd "$work" && "$sluice" run worker.toml --set "stages.out.path=w$r.txt" >/dev/null 2>&1) &
    pids+=($!)
  done
  wait "${pids[@]}"
  echo "sluice worker, $runners runner(s): $(rate_of_outputs "$start" "$work"/w*.txt)"
  rm -f "$work"/w*.txt
done
