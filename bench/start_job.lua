-- wrk script for the job-start-rate scenario: every request is
--   POST /api/jobs {"kind":"noop"}
-- (a job that ends at once). At the end it prints one line
--   JSON {...}
-- that bench/run turns into a result line. Usage:
--   wrk -t1 -c16 -d10s -s bench/start_job.lua http://127.0.0.1:PORT

wrk.method = "POST"
wrk.path = "/api/jobs"
wrk.body = '{"kind":"noop"}'
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  created = 0   -- 201 responses
  other = 0     -- any other status
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("created")
    bad = bad + t:get("other")
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests":%d,"created":%d,"non_201":%d,"non_2xx":%d,' ..
    '"socket_errors":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"duration_s":%.3f,' ..
    '"requests_per_second":%.1f,"latency_p50_ms":%.3f,' ..
    '"latency_p90_ms":%.3f,"latency_p99_ms":%.3f,"latency_max_ms":%.3f,' ..
    '"latency_mean_ms":%.3f}\n',
    summary.requests, ok, bad, e.status,
    e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write,
    e.timeout, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
