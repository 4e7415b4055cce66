-- POSTs the body in $PAYLOAD (JSON, or with $INFER_HEADER_LENGTH set a KServe v2 binary-extension
-- body: JSON header + raw tensor bytes) and prints one machine-readable RESULT line at the end.
wrk.method = "POST"
local header_length = os.getenv("INFER_HEADER_LENGTH")
if header_length then
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.headers["Inference-Header-Content-Length"] = header_length
else
  wrk.headers["Content-Type"] = "application/json"
end
local f = assert(io.open(os.getenv("PAYLOAD"), "rb"))
wrk.body = f:read("*a")
f:close()

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f %d\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.duration))
end
