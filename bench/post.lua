-- wrk script: POST the file named by $BODY as an AdmissionReview, and print one JSON summary line
-- ("JSON {...}") that the bench scripts parse, with latency percentiles in milliseconds.
-- METHOD=GET sends no body (the library-floor run against /healthz).
if os.getenv("METHOD") == "GET" then
  wrk.method = "GET"
else
  local f = assert(io.open(os.getenv("BODY"), "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end

function done(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"errors":%d,"non2xx":%d}\n',
    summary.requests, s, summary.requests / s, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
