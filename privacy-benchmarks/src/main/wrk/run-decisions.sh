#!/usr/bin/env bash
# Measures POST /api/v1/decisions over loopback against GET /health/live (the same stack, no work) in one run.
# Needs wrk (Debian: apt-get install wrk). Usage: privacy-benchmarks/src/main/wrk/run-decisions.sh [seconds]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs="${1:-20}"
port=18181
trap stop_server EXIT
start_server "$port"
export PLENARY_KEY="$(service_key mail)"
echo "== warm-up"; wrk -t2 -c32 -d5s -s "$root/privacy-benchmarks/src/main/wrk/decisions.lua" "http://127.0.0.1:$port/api/v1/decisions" >/dev/null
echo "== baseline: GET /health/live"; wrk -t2 -c32 -d"${secs}s" --latency "http://127.0.0.1:$port/health/live"
echo "== POST /api/v1/decisions"; wrk -t2 -c32 -d"${secs}s" --latency -s "$root/privacy-benchmarks/src/main/wrk/decisions.lua" "http://127.0.0.1:$port/api/v1/decisions"
# about a person: the platform looks up their consents and audits the question (one transaction each)
export PLENARY_SUBJECT="$(curl -fs -H "Authorization: Bearer $PLENARY_KEY" -H 'Content-Type: application/json' \
  -d '{"fields":{"email":"bench@example.org","name":"Bench"}}' "http://127.0.0.1:$port/api/v1/subjects" | sed -E 's/.*"id":"([^"]+)".*/\1/')"
echo "== POST /api/v1/decisions about a person ($PLENARY_SUBJECT)"; wrk -t2 -c32 -d"${secs}s" --latency -s "$root/privacy-benchmarks/src/main/wrk/decisions.lua" "http://127.0.0.1:$port/api/v1/decisions"
