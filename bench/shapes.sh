# shellcheck shell=bash
# The TOML pipelines of the side-by-side benchmarks and the checks of their
# output, sourced by bench/compare.sh and bench/scaling.sh so that both run
# the same shapes. Plain bash and awk: scaling.sh runs where nothing else is
# installed. Each *_toml function writes FILE and prints nothing.
#
# The peers compute the same things; keep them in step:
#   JSON:  bench/peers/json/json_shape.hpp (C++), bench/peers/json/go/main.go
#   burst: bench/peers/burst/go/main.go

# fanout_toml FILE WORKERS: generate -> work (1 us of CPU, `workers`) -> discard.
# `work` spins on the clock for `micros`.
fanout_toml() {
  {
    printf '[stages.src]\ntype = "generate"\npayload = ""\n\n'
    printf '[stages.work]\ntype = "work"\ninputs = ["src"]\nmicros = 1\nworkers = %d\n\n' "$2"
    printf '[stages.sum]\ntype = "discard"\ninputs = ["work"]\n'
  } >"$1"
}

# json_toml FILE WORKERS OUTPUT [COUNT_WORKERS]: generate -> map that builds a
# JSON document -> filter on two of its fields -> count by another -> file
# OUTPUT ("GROUP<tab>COUNT" lines, sorted by group). `workers` on map and
# filter; count has COUNT_WORKERS (default 1).
#
# The document of message `seq` (what the peers build too):
#   {"user": "u<seq % 1000>", "level": "<LEVELS[seq % 7]>", "amount": <seq * 7919 % 1009>,
#    "meta": {"seq": <seq>, "region": "r<seq % 4>"}}
# with LEVELS = debug info info info warn warn error. It is kept when
# level == "error" or amount > 500 and counted by user.
json_toml() {
  cat >"$1" <<EOF
[stages.src]
type = "generate"
payload = ""

[stages.build]
type = "map"
inputs = ["src"]
workers = $2
payload = '{{"user": "u{seq % 1000}", "level": "{["debug", "info", "info", "info", "warn", "warn", "error"][seq % 7]}", "amount": {seq * 7919 % 1009}, "meta": {{"seq": {seq}, "region": "r{seq % 4}"}}}}'

[stages.keep]
type = "filter"
inputs = ["build"]
workers = $2
condition = '.level == "error" || .amount > 500'

[stages.count]
type = "count"
inputs = ["keep"]
workers = ${4:-1}
by = ".user"

[stages.out]
type = "file"
inputs = ["count"]
path = "$3"
EOF
}

# json_checksum FILE: the checksum of count's "GROUP<tab>COUNT" lines, as the
# peers print it: COUNTED/GROUPS/WEIGHTED, where COUNTED is the sum of the
# counts, GROUPS the number of groups and WEIGHTED the sum of rank * count
# with the groups in byte order, ranks from 1 (so a count that lands in the
# wrong group changes it).
json_checksum() {
  LC_ALL=C sort "$1" | awk -F '\t' '
    { counted += $2; weighted += NR * $2 }
    END { printf "%.0f/%d/%.0f\n", counted, NR, weighted }'
}

# burst_toml FILE WORKERS: generate -> sleep (a blocking
# call of 1-10 ms, `workers`) -> discard. The call of message `seq` takes
# 1000 + (seq * 7919) % 9001 microseconds (1-10 ms); `sleep` is the bench plugin
# bench/peers/burst/sleep_plugin.cpp (load it with --plugin).
burst_toml() {
  {
    printf '[stages.src]\ntype = "generate"\npayload = ""\n\n'
    printf '[stages.call]\ntype = "sleep"\ninputs = ["src"]\nworkers = %d\n' "$2"
    printf "micros = '1000 + (seq * 7919) %% 9001'\n\n"
    printf '[stages.sum]\ntype = "discard"\ninputs = ["call"]\n'
  } >"$1"
}

# burst_ideal_ms MESSAGES WORKERS: the sum of the calls' durations over the
# workers, in milliseconds: the wall time of a perfect pool.
burst_ideal_ms() {
  awk -v n="$1" -v w="$2" 'BEGIN {
    for (s = 1; s <= n; s++) total += 1000 + (s * 7919) % 9001
    printf "%.1f\n", total / w / 1000 }'
}

# stats_field FILE NAME: a number from a --stats-json file (its first
# occurrence: elapsed_s sits before the stages).
stats_field() {
  grep -o "\"$2\": *[-0-9.eE+]*" "$1" | head -1 | sed 's/.*: *//'
}

# stats_stage_field FILE STAGE NAME: a stage's counter from a --stats-json file.
stats_stage_field() {
  tr -d '\n ' <"$1" | grep -o "\"$2\":{[^}]*" | head -1 | grep -o "\"$3\":[-0-9.eE+]*" |
    head -1 | sed 's/.*://'
}
