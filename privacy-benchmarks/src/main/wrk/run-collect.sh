#!/usr/bin/env bash
# The collector over loopback: POST /collect (each event durable before its 204) against the bare
# endpoint of the same server stack (reads the beacon, answers 204, stores nothing), in one run.
# Usage: run-collect.sh [seconds] [h2|postgres]   (postgres uses a fresh schema on 127.0.0.1:5432)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
secs="${1:-20}"
db="${2:-h2}"
dir="$(mktemp -d)"
port=18183
extra=()
if [ "$db" = postgres ]; then
  schema="bench_$$"
  psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA $schema; CREATE SCHEMA ${schema}_keys;"
  export PLENARY_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema" PLENARY_DATABASE_USER=postgres
  export PLENARY_KEYSTORE_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=${schema}_keys" PLENARY_KEYSTORE_USER=postgres
fi
PLENARY_SERVER_BENCHMARK_ROUTES=true PLENARY_LOG_LEVEL=WARN "$root/plenary" --data-dir "$dir" serve --port "$port" --host 127.0.0.1 >"$dir/serve.log" 2>&1 &
pid=$!
cleanup() {
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  [ "$db" = postgres ] && psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA $schema CASCADE; DROP SCHEMA ${schema}_keys CASCADE;" || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 1; done
lua="$root/privacy-benchmarks/src/main/wrk/collect.lua"
echo "== warm-up"; wrk -t2 -c32 -d5s -s "$lua" "http://127.0.0.1:$port/collect" >/dev/null
echo "== ceiling: POST /bench/collect-ceiling"; wrk -t2 -c"${conns:-32}" -d"${secs}s" --latency -s "$lua" "http://127.0.0.1:$port/bench/collect-ceiling"
echo "== POST /collect ($db)"; wrk -t2 -c"${conns:-32}" -d"${secs}s" --latency -s "$lua" "http://127.0.0.1:$port/collect"
