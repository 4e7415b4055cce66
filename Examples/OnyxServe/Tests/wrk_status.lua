-- wrk script for the overload and soak runs: POSTs the JSON body in $PAYLOAD, counts answers by
-- status in every thread, optionally waits $DELAY_MS before each request (to hold a rate), and
-- prints one machine-readable line at the end:
--   WRK <requests> <socket errors> <timeouts> <p50 us> <p90 us> <p99 us> <max us> <duration us> <status>=<count>...
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("PAYLOAD"), "r"))
wrk.body = f:read("*a")
f:close()

local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + n
    end
  end
  local e = summary.errors
  local line = string.format("WRK %d %d %d %d %d %d %d %d", summary.requests, e.connect + e.read + e.write,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, summary.duration)
  for status, n in pairs(totals) do
    line = line .. string.format(" %d=%d", status, n)
  end
  io.write(line .. "\n")
end
