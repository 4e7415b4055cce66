-- wrk script for onyx-serve: POSTs transaction rows to /predict and to the KServe route.
--
--   wrk -t2 -c32 -d60s -s Examples/OnyxServe/deploy/load/wrk.lua http://127.0.0.1:8080
--
-- Environment:
--   MODEL        model name in /v2/models/{name}/infer (default mlp_fraud)
--   KSERVE_SHARE share of requests sent to the KServe route, 0..1 (default 0.25)
--   ROWS         rows per request (default 1)
-- At the end it prints one line: WRK_RESULT {"requests":..,"p95_ms":..,...} (JSON).

local model = os.getenv("MODEL") or "mlp_fraud"
local kserve_share = tonumber(os.getenv("KSERVE_SHARE") or "0.25")
local rows_per_request = tonumber(os.getenv("ROWS") or "1")
local features = 30 -- Time, V1..V28, Amount: the input [N, 30] of Models/mlp_fraud

local threads = {}
local prepared = {}
local counter = 0

-- One card transaction: seconds since the first one, 28 anonymised components (roughly unit
-- normal, heavier tails), and an amount (log-normal, most under 100).
local function gauss()
  local u1, u2 = math.random(), math.random()
  return math.sqrt(-2 * math.log(u1 + 1e-12)) * math.cos(2 * math.pi * u2)
end

local function transaction()
  local row = { string.format("%.0f", math.random() * 172800) }
  for _ = 1, features - 2 do
    local v = gauss()
    if math.random() < 0.05 then v = v * 4 end
    row[#row + 1] = string.format("%.4f", v)
  end
  row[#row + 1] = string.format("%.2f", math.exp(3 + 1.4 * gauss()))
  return row
end

local function predict_body(n)
  local rows = {}
  for i = 1, n do rows[i] = "[" .. table.concat(transaction(), ",") .. "]" end
  return '{"inputs":[' .. table.concat(rows, ",") .. "]}"
end

local function kserve_body(n)
  local data = {}
  for _ = 1, n do
    for _, v in ipairs(transaction()) do data[#data + 1] = v end
  end
  return string.format('{"inputs":[{"name":"input","shape":[%d,%d],"datatype":"FP32","data":[%s]}]}',
    n, features, table.concat(data, ","))
end

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % 100000)
  local headers = { ["Content-Type"] = "application/json" }
  -- 64 requests per thread, in the share asked for, then cycled.
  for i = 1, 64 do
    if (i - 1) / 64 < kserve_share then
      prepared[i] = wrk.format("POST", "/v2/models/" .. model .. "/infer", headers, kserve_body(rows_per_request))
    else
      prepared[i] = wrk.format("POST", "/predict", headers, predict_body(rows_per_request))
    end
  end
end

function request()
  counter = counter % #prepared + 1
  return prepared[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_s":%.3f,"status_errors":%d,"socket_errors":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3))
end
