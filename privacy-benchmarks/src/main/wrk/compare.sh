#!/usr/bin/env bash
# One endpoint on two builds side by side, each against its own GET /health/live ceiling, alternating
# in the same sitting so both see the same machine: one long-running server per build, both endpoints
# of both builds warmed up twice first. Needs wrk. Usage:
#   privacy-benchmarks/src/main/wrk/compare.sh BEFORE_CHECKOUT AFTER_CHECKOUT decisions|register [rounds] [seconds]
# Each checkout is a clone (or git worktree) whose ./plenary builds and starts that build.
#   decisions — POST /api/v1/decisions (decisions.lua: no person named), wrk 2 threads x 32 connections
#   register  — POST /api/v1/subjects  (register.lua: a new person each request), wrk 2 threads x 16 connections
set -euo pipefail
before="$(cd "$1" && pwd)"; after="$(cd "$2" && pwd)"; what="$3"; rounds="${4:-3}"; secs="${5:-10}"
here="$(cd "$(dirname "$0")" && pwd)"
case "$what" in
  decisions) lua="$here/decisions.lua"; path=/api/v1/decisions; service=web; conns=32 ;;
  register)  lua="$here/register.lua";  path=/api/v1/subjects;  service=mail; conns=16 ;;
  *) echo "compare.sh: the third argument is decisions or register" >&2; exit 2 ;;
esac
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
  keys[$b]="$("${roots[$b]}/plenary" --data-dir "${dirs[$b]}" service add "$service" --json | sed -E 's/.*"key":"([^"]+)".*/\1/')"
done
load() { PLENARY_RUN="$(date +%s%N)" PLENARY_KEY="${keys[$1]}" wrk -t2 -c"$conns" -d"$2" -s "$lua" "http://127.0.0.1:${ports[$1]}$path"; }
ceiling() { wrk -t2 -c"$conns" -d"$2" "http://127.0.0.1:${ports[$1]}/health/live"; }
# warm-up: both endpoints of both builds, twice over, until the JIT has settled
for _ in 1 2; do
  for b in before after; do ceiling "$b" 10s >/dev/null; load "$b" 10s >/dev/null; done
done
rate() { awk '/Requests\/sec/ {print $2}'; }
printf '%-7s %-6s %12s %12s %7s\n' build round ceiling "$what" ratio
for r in $(seq 1 "$rounds"); do
  for b in before after; do
    ceil="$(ceiling "$b" "${secs}s" | rate)"
    out="$(load "$b" "${secs}s")"; got="$(rate <<<"$out")"
    # a run with answers other than 2xx measured something else: say so rather than print a rate
    if grep -q "Non-2xx" <<<"$out"; then echo "$b round $r: $(grep Non-2xx <<<"$out" | xargs)" >&2; fi
    printf '%-7s %-6s %12s %12s %7.3f\n' "$b" "$r" "$ceil" "$got" "$(echo "$got / $ceil" | bc -l)"
  done
done
