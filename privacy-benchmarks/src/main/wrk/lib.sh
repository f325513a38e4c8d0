# Shared by the run-*.sh scripts: start ./plenary serve on a fresh data directory and wait until ready.
# Sets: root, dir, pid. Usage: . "$(dirname "$0")/lib.sh"; start_server PORT
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
dir="$(mktemp -d)"
start_server() {
  local port="$1"
  "$root/plenary" --data-dir "$dir" serve --port "$port" --host 127.0.0.1 >"$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && return 0; sleep 1; done
  echo "the server did not start; see $dir/serve.log" >&2
  return 1
}
stop_server() {
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
service_key() {
  "$root/plenary" --data-dir "$dir" service add "$1" --json | sed -E 's/.*"key":"([^"]+)".*/\1/'
}
# use_database h2|postgres: on postgres, fresh schemas on 127.0.0.1:5432 for the data and the key
# store, dropped (with the server stopped) when the script exits; on h2, the embedded default.
use_database() {
  db="$1"
  schema="bench_$$"
  trap 'stop_server; [ "$db" = postgres ] && psql -h 127.0.0.1 -U postgres -d test -qc "DROP SCHEMA $schema CASCADE; DROP SCHEMA ${schema}_keys CASCADE;" 2>/dev/null || true' EXIT
  if [ "$db" = postgres ]; then
    psql -h 127.0.0.1 -U postgres -d test -qc "CREATE SCHEMA $schema; CREATE SCHEMA ${schema}_keys;"
    export PLENARY_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema" PLENARY_DATABASE_USER=postgres
    export PLENARY_KEYSTORE_URL="jdbc:postgresql://127.0.0.1:5432/test?currentSchema=${schema}_keys" PLENARY_KEYSTORE_USER=postgres
  fi
}
