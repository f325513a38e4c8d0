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
