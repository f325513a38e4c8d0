-- wrk script: POST /api/v1/subjects, each request a new person (no password: Argon2 is measured apart).
-- Usage: PLENARY_KEY=pls_... wrk -t2 -c16 -d20s -s register.lua http://127.0.0.1:8080/api/v1/subjects
local counter = 0
local prefix = tostring(math.random(1, 1e9))
function setup(thread)
  thread:set("id", tostring(math.random(1, 1e9)))
end
request = function()
  counter = counter + 1
  local body = '{"fields":{"email":"p' .. prefix .. "-" .. (id or "x") .. "-" .. counter .. '@example.org","name":"Bench Person"}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("PLENARY_KEY")}, body)
end
