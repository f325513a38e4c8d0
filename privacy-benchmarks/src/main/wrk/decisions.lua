-- wrk script: POST /api/v1/decisions with a service key.
-- Usage: PLENARY_KEY=pls_... wrk -t2 -c32 -d20s -s decisions.lua http://127.0.0.1:8080/api/v1/decisions
-- PLENARY_SUBJECT=s-… asks about that person (registered with the calling service): the platform then
-- looks up their consents and audits the question, in one transaction per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("PLENARY_KEY")
local subject = os.getenv("PLENARY_SUBJECT")
if subject and subject ~= "" then
  wrk.body = '{"action":"read","purpose":"provide","subject":"' .. subject .. '","categories":["user.contact.email","user.name"]}'
else
  wrk.body = '{"action":"read","purpose":"provide","categories":["user.contact.email","user.name"]}'
end
