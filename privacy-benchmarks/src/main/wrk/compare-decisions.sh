#!/usr/bin/env bash
# POST /api/v1/decisions on two builds side by side, each against its own GET /health/live ceiling,
# alternating in the same sitting so both see the same machine: one long-running server per build,
# warmed up with decisions first. Needs wrk. Usage:
#   privacy-benchmarks/src/main/wrk/compare-decisions.sh BEFORE_CHECKOUT AFTER_CHECKOUT [rounds] [seconds]
# Each checkout is a clone (or git worktree) whose ./plenary builds and starts that build.
set -euo pipefail
before="$(cd "$1" && pwd)"; after="$(cd "$2" && pwd)"; rounds="${3:-3}"; secs="${4:-10}"
lua="$(cd "$(dirname "$0")" && pwd)/decisions.lua"
declare -A pids dirs keys ports=([before]=18281 [after]=18282) roots=([before]="$before" [after]="$after")
cleanup() { for b in before after; do kill "${pids[$b]:-}" 2>/dev/null || true; done; wait 2>/dev/null || true; for b in before after; do rm -rf "${dirs[$b]:-}"; done; }
trap cleanup EXIT
for b in before after; do
  dirs[$b]="$(mktemp -d)"
  "${roots[$b]}/plenary" --data-dir "${dirs[$b]}" serve --port "${ports[$b]}" --host 127.0.0.1 >"${dirs[$b]}/serve.log" 2>&1 &
  pids[$b]=$!
done
for b in before after; do
  for _ in $(seq 1 90); do curl -fs "http://127.0.0.1:${ports[$b]}/health/ready" >/dev/null && break; sleep 1; done
  keys[$b]="$("${roots[$b]}/plenary" --data-dir "${dirs[$b]}" service add web --json | sed -E 's/.*"key":"([^"]+)".*/\1/')"
done
# warm-up: both endpoints of both builds, twice over, until the JIT has settled
for _ in 1 2; do
  for b in before after; do
    wrk -t2 -c32 -d10s "http://127.0.0.1:${ports[$b]}/health/live" >/dev/null
    PLENARY_KEY="${keys[$b]}" wrk -t2 -c32 -d10s -s "$lua" "http://127.0.0.1:${ports[$b]}/api/v1/decisions" >/dev/null
  done
done
rate() { awk '/Requests\/sec/ {print $2}'; }
printf '%-7s %-6s %12s %12s %7s\n' build round ceiling decisions ratio
for r in $(seq 1 "$rounds"); do
  for b in before after; do
    ceil="$(wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:${ports[$b]}/health/live" | rate)"
    dec="$(PLENARY_KEY="${keys[$b]}" wrk -t2 -c32 -d"${secs}s" -s "$lua" "http://127.0.0.1:${ports[$b]}/api/v1/decisions" | rate)"
    printf '%-7s %-6s %12s %12s %7.2f\n' "$b" "$r" "$ceil" "$dec" "$(echo "$dec / $ceil" | bc -l)"
  done
done
