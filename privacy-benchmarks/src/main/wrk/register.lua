-- wrk script: POST /api/v1/subjects, each request a new person (no password: Argon2 is measured apart).
-- Usage: PLENARY_KEY=pls_... PLENARY_RUN=$(date +%s%N) wrk -t2 -c16 -d20s -s register.lua http://127.0.0.1:8080/api/v1/subjects
-- Every address is new: PLENARY_RUN (a different value for every run against the same server; the time
-- in nanoseconds will do), the thread's number and a counter. wrk's own math.random is not seeded, so it
-- repeats between runs: an address registered before is answered otherwise (registered apart, or refused
-- by older builds) and the run would measure something else.
local run = os.getenv("PLENARY_RUN") or tostring(os.time())
local threads = 0
local counter = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", tostring(threads))
end
request = function()
  counter = counter + 1
  local body = '{"fields":{"email":"p' .. run .. "-" .. (id or "x") .. "-" .. counter .. '@example.org","name":"Bench Person"}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("PLENARY_KEY")}, body)
end
function done(summary, latency, requests)
  local bad = summary.errors.status
  if bad > 0 then
    io.stderr:write(string.format("register.lua: %d answers were not 2xx: the figures above are not registrations\n", bad))
  end
end
