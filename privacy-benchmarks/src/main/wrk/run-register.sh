#!/usr/bin/env bash
# Registration throughput over loopback (each request a new person, sealed and audited) against
# GET /health/live of the same server in the same run. Needs wrk. Usage: run-register.sh [seconds]
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
secs="${1:-20}"
dir="$(mktemp -d)"
port=18182
"$root/plenary" --data-dir "$dir" serve --port "$port" --host 127.0.0.1 >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 1; done
export PLENARY_KEY="$("$root/plenary" --data-dir "$dir" service add mail --json | sed -E 's/.*"key":"([^"]+)".*/\1/')"
echo "== baseline: GET /health/live"; wrk -t2 -c16 -d"${secs}s" --latency "http://127.0.0.1:$port/health/live"
echo "== POST /api/v1/subjects"; wrk -t2 -c16 -d"${secs}s" --latency -s "$root/privacy-benchmarks/src/main/wrk/register.lua" "http://127.0.0.1:$port/api/v1/subjects"
