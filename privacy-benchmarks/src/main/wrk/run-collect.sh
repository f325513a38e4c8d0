#!/usr/bin/env bash
# The collector over loopback: POST /collect (each event durable before its 204) against the bare
# endpoint of the same server stack (reads the beacon, answers 204, stores nothing), in one run.
# The two alternate for a number of rounds (the machine's own speed drifts between runs), and the
# ratio of each round is printed, then their median.
# Each run opens its connections anew, after which the JIT recompiles the connection paths for some
# seconds (measured on /collect: ~1,000 compilations, 2.5-4 of the 20 CPU-seconds two cores have in a
# 10-s run); runs of 30 s (the default) make that start-up a smaller share of what is measured.
# Usage: [conns=128] [rounds=3] [warm=120] run-collect.sh [seconds] [h2|postgres]   (postgres: fresh schemas on 127.0.0.1:5432)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs="${1:-30}"
conns="${conns:-128}"
rounds="${rounds:-3}"
warm="${warm:-120}"
port=18183
use_database "${2:-h2}"
export PLENARY_SERVER_BENCHMARK_ROUTES=true PLENARY_LOG_LEVEL=WARN
start_server "$port"
lua="$root/privacy-benchmarks/src/main/wrk/collect.lua"
run() { # prints "requests/s p50 p99" of one wrk run
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$lua" "http://127.0.0.1:$port$1" \
    | awk '/Non-2xx/ {print "non-2xx answers: " $0 > "/dev/stderr"} / 50%/ {p50=$2} / 99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {print rps, p50, p99}'
}
# the JIT keeps compiling for a minute or two under this load on two cores (H2 ramps up for ~100 s): warm both endpoints up first
echo "== warm-up (${warm}s)"
for _ in $(seq 1 $(( warm / secs / 2 > 0 ? warm / secs / 2 : 1 ))); do run /collect >/dev/null; run /bench/collect-ceiling >/dev/null; done
ratios=()
for r in $(seq 1 "$rounds"); do
  read -r c c50 c99 < <(run /bench/collect-ceiling)
  read -r s s50 s99 < <(run /collect)
  ratio=$(awk -v s="$s" -v c="$c" 'BEGIN {printf "%.2f", s / c}')
  ratios+=("$ratio")
  echo "round $r ($db, $conns connections): ceiling $c req/s (p50 $c50, p99 $c99) · /collect $s req/s (p50 $s50, p99 $s99) · ratio $ratio"
done
echo "median ratio: $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
