#!/usr/bin/env bash
# POST /collect against one freshly started server, in back-to-back runs: the rate of each run (to see
# the warm-up), then what the writer spent per event over all of them (the sum of commit times over
# the sum of group sizes, from /metrics; with the collector's journal on, the time of the journal
# appends) and the group sizes, the journal's lag and the embedded H2 file's size per event. For comparing settings of the writer:
# PLENARY_JAVA_OPTS, PLENARY_COLLECTOR_WRITERS and the like pass through to the server.
# Usage: [conns=128] [runs=12] run-collect-trend.sh [seconds] [h2|postgres]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs="${1:-10}"
conns="${conns:-128}"
runs="${runs:-12}"
port=18184
use_database "${2:-h2}"
export PLENARY_SERVER_BENCHMARK_ROUTES=true PLENARY_LOG_LEVEL=WARN
start_server "$port"
for i in $(seq 1 "$runs"); do
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$root/privacy-benchmarks/src/main/wrk/collect.lua" "http://127.0.0.1:$port/collect" \
    | awk -v i="$i" '/ 99%/ {p99=$2} /Requests\/sec/ {rps=$2} END {print "run " i ": " rps " req/s, p99 " p99}'
done
curl -s "http://127.0.0.1:$port/metrics" | awk '
  /^plenary_collector_commit_seconds_sum/ {c=$2}
  /^plenary_collector_group_size_sum/ {g=$2}
  /^plenary_collector_group_size\{quantile="0.5"\}/ {p50=$2}
  /^plenary_collector_group_size\{quantile="0.99"\}/ {p99=$2}
  /^plenary_store_file_bytes\{store="data"/ {f=$2}
  /^plenary_collector_journal_lag/ {lag=$2}
  END {printf "writer: %.1f us per event over %d events; group size p50 %.0f, p99 %.0f; journal lag %d; H2 data file %.0f bytes per event\n", c / g * 1e6, g, p50, p99, lag, f / g}'
