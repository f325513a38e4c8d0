-- wrk script: POST /api/v1/decisions with a service key.
-- Usage: PLENARY_KEY=pls_... wrk -t2 -c32 -d20s -s decisions.lua http://127.0.0.1:8080/api/v1/decisions
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("PLENARY_KEY")
wrk.body = '{"action":"read","purpose":"provide","subject":"s-1","categories":["user.contact.email","user.name"]}'
