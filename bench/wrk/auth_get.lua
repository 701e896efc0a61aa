-- Authenticated GETs: `Authorization: Bearer <token>`, rotating over this thread's slice of
-- BENCH_TOKENS (one user per token) and over BENCH_PATHS. See bench.lua.
local bench = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "bench.lua")

local paths, tokens, n

function init(args)
   paths, tokens, n = bench.read_lines("BENCH_PATHS"), bench.slice(bench.read_lines("BENCH_TOKENS")), 0
end

function request()
   n = n + 1
   return wrk.format("GET", bench.path(paths, n), bench.bearer(tokens, n))
end
