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
rate_of_stats() {  # messages / (elapsed - idle second)
  python3 - "$@" <<'PY'
import json, sys
total, longest = 0, 0.0
for f in sys.argv[1:]:
    s = json.load(open(f))
    total += s["stages"]["orders"]["out"]
    longest = max(longest, s["elapsed_s"] - 1.0)
print(f"{total} {longest:.3f} {total / longest:.0f}")
PY
}
for runners in 1 2; do
  publish "bare$runners"
  pids=()
  for r in $(seq "$runners"); do
    "$peer" "$url" ORDERS orders.new bench 256 "$work/bare$r.txt" 1000 >"$work/bare$r.out" & pids+=($!)
  done
  wait "${pids[@]}"
  python3 - "$runners" "$work"/bare*.out <<'PY'
import sys
rows = [open(f).read().split() for f in sys.argv[2:]]
total = sum(int(r[0]) for r in rows); secs = max(float(r[1]) for r in rows)
print(f"bare nats.c fetch+ack, {sys.argv[1]} runner(s): {total} msgs in {secs:.2f}s = {total/secs:.0f} msg/s")
PY
  rm -f "$work"/bare*.out
  publish "sluice$runners"
  pids=()
  for r in $(seq "$runners"); do
    (cd "$work" && "$sluice" run worker.toml --set "stages.out.path=w$r.txt" \
      --stats-json "s$r.json" >/dev/null 2>&1) & pids+=($!)
  done
  wait "${pids[@]}"
  read -r total secs rate < <(rate_of_stats "$work"/s*.json)
  echo "sluice worker, $runners runner(s): $total msgs in ${secs}s = $rate msg/s"
  rm -f "$work"/s*.json
done
