#pragma once

// The publishers of the many-job and burst modes: keep-alive connections,
// one request in flight on each, every one working through its own queue
// of requests at the times a plan gives (all at once: flat out). All run on
// one io_context thread, however many jobs they serve.

#include "common.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bench {

/// One request: `lines` events with the markers first_seq .. first_seq +
/// lines - 1, to job number `job`, due `due_ns` after the start.
struct publish_item {
  std::int64_t due_ns = 0;
  std::uint32_t job = 0;
  std::uint64_t first_seq = 0;
  std::uint32_t lines = 1;
};

/// One queue of requests per connection, each in the order of its due times.
using publish_plan = std::vector<std::vector<publish_item>>;

/// `jobs` jobs each publishing `events` events at `rate` per second, job j's
/// k-th (marker j * events + k) due at (k + j / jobs) / rate s: the jobs take
/// turns evenly within each 1 / rate. Job j belongs to connection
/// j % connections.
publish_plan paced_plan(std::size_t jobs, std::size_t events, double rate,
                        std::size_t connections);

/// One job, `connections` connections flat out, each with `requests`
/// requests of `lines` events; connection c's markers are one lane,
/// c * requests * lines onwards.
publish_plan burst_plan(std::size_t requests, std::size_t lines,
                        std::size_t connections);

struct publisher_stats {
  std::vector<std::int64_t> latency; // per request: send to answer, ns
  std::vector<std::int64_t> lag;     // per request: send − due, ns
  std::size_t requests_ok = 0;       // 2xx
  std::size_t requests_failed = 0;   // no answer, or not 2xx
  std::size_t lines_ok = 0;          // lines (events) of the 2xx requests
  std::size_t not_sent = 0;          // left when the deadline came
  std::int64_t t_start = 0;          // the plan's time 0
  std::int64_t t_last = 0;           // the last answer
  std::map<std::string, std::size_t> errors;
};

/// Runs `plan` against `jobs` on this thread until every request is
/// answered or `deadline`. Each event's text is event_text(seq,
/// --event-bytes), stamped when its request is sent.
publisher_stats run_publishers(const options& opt, const dialect& d,
                               const std::vector<job_ref>& jobs,
                               const publish_plan& plan,
                               std::chrono::steady_clock::time_point deadline);

/// Sorts the latencies and adds publish_p50_ms, publish_p99_ms and
/// publish_max_ms.
void add_publish_latency(json_line& line, publisher_stats& st);

} // namespace bench
