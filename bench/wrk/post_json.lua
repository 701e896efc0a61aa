-- POSTs of JSON bodies (add-to-cart, login) to the URL's path. Request n sends token n of this
-- thread's slice of BENCH_TOKENS (if given) and body (n / #tokens) of BENCH_BODIES, so that each
-- user goes through the bodies in turn and two requests of one user are #tokens apart.
local bench = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "bench.lua")

local tokens, bodies, n

function init(args)
   tokens, bodies, n = bench.slice(bench.read_lines("BENCH_TOKENS")), bench.read_lines("BENCH_BODIES"), 0
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   n = n + 1
   local users = tokens and #tokens or 1
   local body = bodies[math.floor((n - 1) / users) % #bodies + 1]
   return wrk.format("POST", wrk.path, bench.bearer(tokens, n), body)
end
