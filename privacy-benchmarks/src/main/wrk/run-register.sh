#!/usr/bin/env bash
# Registration throughput over loopback (each request a new person, sealed and audited) against
# GET /health/live of the same server in the same run. Needs wrk. Usage: run-register.sh [seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs="${1:-20}"
port=18182
trap stop_server EXIT
start_server "$port"
export PLENARY_KEY="$(service_key mail)"
echo "== baseline: GET /health/live"; wrk -t2 -c16 -d"${secs}s" --latency "http://127.0.0.1:$port/health/live"
echo "== POST /api/v1/subjects"; PLENARY_RUN="$(date +%s%N)" wrk -t2 -c16 -d"${secs}s" --latency -s "$root/privacy-benchmarks/src/main/wrk/register.lua" "http://127.0.0.1:$port/api/v1/subjects"
