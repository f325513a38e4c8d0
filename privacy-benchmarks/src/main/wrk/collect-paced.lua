-- wrk script: the beacon of collect.lua, sent at a set pace instead of as fast as possible. Each
-- connection waits a random time (exponential, mean given in ms as the first script argument) before
-- each request, so the connections together make Poisson-like arrivals at a chosen rate, as many
-- independent visitors do. Usage: wrk -t2 -c64 -d20s -s collect-paced.lua URL -- 25
dofile(string.gsub(debug.getinfo(1, "S").source:sub(2), "collect%-paced%.lua$", "collect.lua"))
local mean = 10
function init(args)
  mean = tonumber(args[1] or "10")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
end
function delay()
  return math.floor(-math.log(1 - math.random()) * mean + math.random())
end
