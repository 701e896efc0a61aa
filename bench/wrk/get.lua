-- Anonymous GETs, rotating over BENCH_PATHS (optionally cache-busted). See bench.lua.
local bench = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "bench.lua")

local paths, n

function init(args)
   paths, n = bench.read_lines("BENCH_PATHS"), 0
end

function request()
   n = n + 1
   return wrk.format("GET", bench.path(paths, n))
end
