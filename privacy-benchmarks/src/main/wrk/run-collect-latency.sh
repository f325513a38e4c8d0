#!/usr/bin/env bash
# Latency of POST /collect at half its maximum rate, in one run: first the maximum (closed loop,
# 128 connections), then paced arrivals at half that rate (64 connections, each waiting a random
# exponential time between requests, so the load does not slow down when the server does), and the
# same pace against the bare endpoint of the same server (what the machine itself adds to latency).
# Usage: [warm=120] run-collect-latency.sh [seconds] [h2|postgres]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs="${1:-20}"
warm="${warm:-120}"
port=18184
use_database "${2:-h2}"
export PLENARY_LOG_LEVEL=WARN PLENARY_SERVER_BENCHMARK_ROUTES=true
start_server "$port"
wrkdir="$root/privacy-benchmarks/src/main/wrk"
url="http://127.0.0.1:$port/collect"
# the JIT keeps compiling for a minute or two under this load on two cores (H2 ramps up for ~100 s)
for _ in $(seq 1 $(( warm / 10 > 0 ? warm / 10 : 1 ))); do wrk -t2 -c128 -d10s -s "$wrkdir/collect.lua" "$url" >/dev/null; done
echo "== maximum: POST /collect ($db), 128 connections, closed loop"
max=$(wrk -t2 -c128 -d"${secs}s" --latency -s "$wrkdir/collect.lua" "$url" | tee /dev/stderr | awk '/Requests\/sec/ {print int($2)}')
conns=64
# each connection's cycle is its wait plus the answer's time and wrk's own (about 1.8 ms together at this load)
mean=$(awk -v c="$conns" -v m="$max" 'BEGIN {w = c * 1000 * 2 / m - 1.8; printf "%.2f", (w < 0 ? 0 : w)}')
# every new wrk run opens its connections at once, which sends the JIT back to compiling the connection
# paths for a few seconds (measured: ~1,000 compilations after each start): one paced run first, not measured
wrk -t2 -c"$conns" -d"${secs}s" -s "$wrkdir/collect-paced.lua" "$url" -- "$mean" >/dev/null
echo "== paced: target $(( max / 2 )) req/s (half of $max), $conns connections, mean wait ${mean} ms"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$wrkdir/collect-paced.lua" "$url" -- "$mean"
echo "== the same pace against the bare endpoint (/bench/collect-ceiling: reads the beacon, stores nothing)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$wrkdir/collect-paced.lua" "http://127.0.0.1:$port/bench/collect-ceiling" -- "$mean"
