-- wrk script for the overload and soak runs: POSTs the JSON body in $PAYLOAD, counts answers by
-- status in every thread, and prints one machine-readable line at the end. Two ways to hold a rate:
--   $DELAY_MS: each connection waits this long before each request (closed loop with think time);
--   $RATE (with $THREADS, wrk's -t): requests start on a fixed schedule of $RATE per second over
--     all threads, whatever the answers' latency, as long as a connection is free (an open loop:
--     a slow server does not slow the arrivals; a schedule missed by more than 1 s is dropped);
--     wrk's first request on each connection goes out at connect time, before the schedule.
-- The line:
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

local rate = tonumber(os.getenv("RATE") or "0")

if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
    int clock_gettime(int clock, wrk_timespec *ts);
  ]]
  local ts = ffi.new("wrk_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)   -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  -- This thread's share of the schedule: one request start every `period` ms.
  local period = 1000 * tonumber(os.getenv("THREADS") or "1") / rate
  local next_slot = nil
  function delay()
    local t = now_ms()
    if next_slot == nil or next_slot < t - 1000 then next_slot = t end
    local wait = next_slot - t
    next_slot = next_slot + period
    return wait > 0 and math.floor(wait) or 0
  end
elseif delay_ms > 0 then
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
