-- Shared by the bench scripts (loaded with dofile): thread ids, the request pools read from
-- files named by environment variables, the count of non-2xx answers, and done(), which prints
-- one line `BENCH_RESULT {json}` for bench/run.py.
--
-- Environment (all optional):
--   BENCH_PATHS    file of request paths, one per line (default: the URL's path)
--   BENCH_TOKENS   file of access tokens, one per line (sent as `Authorization: Bearer`)
--   BENCH_BODIES   file of JSON bodies, one per line
--   BENCH_BUST     "1": append a unique `_bench=` parameter, so no response cache can answer
--   BENCH_RUN      this wrk run's id (bench/load.py sets a new one per run): part of the
--                  `_bench=` value, which would otherwise repeat the previous run's values
--   BENCH_THREADS  wrk's -t, so that each thread takes its own slice of the token pool

local bench = {}
local threads = {}

function setup(thread)
   thread:set("thread_id", #threads)
   table.insert(threads, thread)
end

function bench.read_lines(variable)
   local path = os.getenv(variable)
   if path == nil or path == "" then
      return nil
   end
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then
         table.insert(lines, line)
      end
   end
   assert(#lines > 0, variable .. " names an empty file: " .. path)
   return lines
end

-- This thread's share of a pool (every thread_count-th line), so threads never share a token.
function bench.slice(lines)
   if lines == nil then
      return nil
   end
   local count = tonumber(os.getenv("BENCH_THREADS") or "1")
   local mine = {}
   for i = thread_id + 1, #lines, count do
      table.insert(mine, lines[i])
   end
   assert(#mine > 0, "fewer lines than threads")
   return mine
end

-- The n-th request's path (1-based n), with a cache buster when BENCH_BUST is set.
local bust = os.getenv("BENCH_BUST") == "1"
local run_id = os.getenv("BENCH_RUN") or ""
function bench.path(paths, n)
   local path = paths and paths[(n - 1) % #paths + 1] or wrk.path
   if bust then
      local separator = path:find("?", 1, true) and "&" or "?"
      path = string.format("%s%s_bench=%s-%d-%d", path, separator, run_id, thread_id, n)
   end
   return path
end

function bench.bearer(tokens, n)
   local headers = {}
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end
   if tokens then
      headers["Authorization"] = "Bearer " .. tokens[(n - 1) % #tokens + 1]
   end
   return headers
end

non2xx = 0
first_failure = nil

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if first_failure == nil then
         first_failure = status .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

local function json_string(s)
   if s == nil then
      return "null"
   end
   return '"' .. s:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
   end) .. '"'
end

function done(summary, latency, requests)
   local failures, sample = 0, nil
   for _, thread in ipairs(threads) do
      failures = failures + thread:get("non2xx")
      sample = sample or thread:get("first_failure")
   end
   local errors = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'BENCH_RESULT {"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,'
         .. '"max_ms":%.3f,"non2xx":%d,"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},'
         .. '"first_failure":%s}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, failures, errors.connect, errors.read, errors.write, errors.timeout,
      json_string(sample)))
end

return bench
