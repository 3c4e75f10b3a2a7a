-- wrk script of the bridge bench (bench/wrk-load.ts): replays pre-signed HTTP requests, each once, and reports.
-- Run as: wrk -t1 -c<connections> -d<seconds>s -s wrk-replay.lua <url> -- <requests file>
-- The file holds whole HTTP/1.1 requests separated by a NUL byte. The webhooks are signed beforehand by the bench, so
-- wrk only writes and reads sockets: a sender that takes little of the cores it shares with the bridges it measures.
-- wrk's API (4.1): setup/init/request/response run per thread, done in the main state; `#latency` is the number of
-- distinct latencies (µs) and `latency(i)` the i-th one with its count (wg/wrk src/script.c, SCRIPTING). wrk has
-- "corrected" that histogram before done() runs; bench/wrk-load.ts takes the correction out.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  requests, sent, exhausted, unexpected = {}, 0, 0, 0
  local file = assert(io.open(args[1], "rb"))
  for request in string.gmatch(file:read("*a"), "([^%z]+)") do requests[#requests + 1] = request end
  file:close()
  presigned = #requests
end

function request()
  -- CPU of the whole process (os.clock) from the first request on: reading the file is not part of the load
  if sent == 0 then started = os.clock() end
  sent = sent + 1
  -- never send a webhook id twice: past the end, the same last request again, counted so the bench refuses the run
  if sent > #requests then exhausted = exhausted + 1 end
  return requests[math.min(sent, #requests)]
end

function response(status, headers, body)
  -- a returning, unchanged user is answered 200 "provisioned"; anything else is counted, not hidden
  if status ~= 200 or not string.find(body, '"status":"provisioned"', 1, true) then unexpected = unexpected + 1 end
end

function done(summary, latency, requests)
  local ended = os.clock() -- before the loop below, which costs more the more distinct latencies there are
  local e = summary.errors
  local exhausted, unexpected, started, presigned = 0, 0, ended, 0
  for _, thread in ipairs(threads) do
    started = math.min(started, thread:get("started") or started)
    presigned = presigned + thread:get("presigned")
    exhausted = exhausted + thread:get("exhausted")
    unexpected = unexpected + thread:get("unexpected")
  end
  local histogram = {}
  for i = 1, #latency do
    local us, count = latency(i)
    histogram[#histogram + 1] = string.format("%d:%d", us, count)
  end
  io.write(string.format("WRK-RESULT answered=%d duration_us=%d cpu_ms=%.1f failed=%d exhausted=%d of=%d unexpected=%d\n",
    summary.requests, summary.duration, (ended - started) * 1000,
    e.connect + e.read + e.write + e.status + e.timeout, exhausted, presigned, unexpected))
  io.write("WRK-LATENCY " .. table.concat(histogram, " ") .. "\n")
end
