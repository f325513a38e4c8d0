#!/usr/bin/env bash
# The collector over loopback: POST /collect (each event durable before its 204) against the bare
# endpoint of the same server stack (reads the beacon, answers 204, stores nothing), in one run.
# Usage: [conns=128] run-collect.sh [seconds] [h2|postgres]   (postgres: fresh schemas on 127.0.0.1:5432)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
secs="${1:-20}"
db="${2:-h2}"
conns="${conns:-32}"
port=18183
schema="bench_$$"
cleanup() {
  stop_server
  if [ "$db" = postgres ]; then psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA $schema CASCADE; DROP SCHEMA ${schema}_keys CASCADE;" || true; fi
}
trap cleanup EXIT
if [ "$db" = postgres ]; then
  psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA $schema; CREATE SCHEMA ${schema}_keys;"
  export PLENARY_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema" PLENARY_DATABASE_USER=postgres
  export PLENARY_KEYSTORE_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=${schema}_keys" PLENARY_KEYSTORE_USER=postgres
fi
export PLENARY_SERVER_BENCHMARK_ROUTES=true PLENARY_LOG_LEVEL=WARN
start_server "$port"
lua="$root/privacy-benchmarks/src/main/wrk/collect.lua"
echo "== warm-up"; wrk -t2 -c"$conns" -d5s -s "$lua" "http://127.0.0.1:$port/collect" >/dev/null
echo "== ceiling: POST /bench/collect-ceiling"; wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$lua" "http://127.0.0.1:$port/bench/collect-ceiling"
echo "== POST /collect ($db)"; wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$lua" "http://127.0.0.1:$port/collect"
