#include "http/prometheus.hpp"

#include "actors/metrics.hpp"
#include "http/client_limits.hpp"
#include "http/framing.hpp"
#include "http/http_metrics.hpp"
#include "http/streams.hpp"

#include <sstream>

namespace jobcast {

namespace {

void metric(std::ostringstream& out, const char* name, const char* type,
            const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type
      << '\n';
}

/// One metric without labels: its help, its type and its value.
template <class T>
void sample(std::ostringstream& out, const char* name, const char* type,
            const char* help, const T& value) {
  metric(out, name, type, help);
  out << name << ' ' << value << '\n';
}

} // namespace

std::string render_metrics(const connection_tracker& connections,
                           const std::array<std::size_t, 5>& jobs_by_state,
                           std::size_t actors) {
  auto& m = global_metrics();
  auto& h = http_counters();
  std::ostringstream out;
  metric(out, "jobcast_jobs", "gauge", "Jobs known (running and retained).");
  for (std::size_t i = 0; i < 5; ++i)
    out << "jobcast_jobs{state=\"" << to_string(static_cast<job_state>(i))
        << "\"} " << jobs_by_state[i] << '\n';
  sample(out, "jobcast_actors_running", "gauge", "CAF actors alive.", actors);
  sample(out, "jobcast_connections_open", "gauge", "Open TCP connections.",
         connections.size());
  sample(out, "jobcast_subscriber_actors", "gauge", "Subscriber actors alive.",
         m.subscribers.load());
  metric(out, "jobcast_streams_open", "gauge", "Open streams by transport.");
  for (const auto* f : streams::framings())
    out << "jobcast_streams_open{transport=\"" << f->name() << "\"} "
        << f->open_streams().load() << '\n';
  sample(out, "jobcast_jobs_started_total", "counter", "Jobs started.",
         m.jobs_started.load());
  sample(out, "jobcast_events_published_total", "counter",
         "Events published by jobs.", m.events_published.load());
  sample(out, "jobcast_events_delivered_total", "counter",
         "Events handed to connections.", m.events_delivered.load());
  sample(out, "jobcast_stream_queued_bytes", "gauge",
         "Bytes queued for streaming connections, not yet written.",
         h.queued_bytes.load());
  sample(out, "jobcast_slow_subscriber_disconnects_total", "counter",
         "Streams dropped for falling too far behind.",
         h.slow_disconnects.load());
  sample(out, "jobcast_stream_write_timeouts_total", "counter",
         "Streams closed because their client took nothing for the write "
         "timeout.",
         h.write_timeouts.load());
  sample(out, "jobcast_history_bytes", "gauge",
         "Bytes the jobs' event histories count against "
         "--limits.history-bytes.",
         m.history_bytes.load());
  sample(out, "jobcast_history_jobs_evicted_total", "counter",
         "Finished jobs forgotten early to stay within the history budget.",
         m.history_jobs_evicted.load());
  sample(out, "jobcast_history_events_evicted_total", "counter",
         "Events dropped from running jobs to stay within the history "
         "budget.",
         m.history_events_evicted.load());
  sample(out, "jobcast_jobs_refused_total", "counter",
         "Job starts refused at --limits.max-active-jobs.",
         m.jobs_refused.load());
  metric(out, "jobcast_client_limit_refusals_total", "counter",
         "Requests and connections refused with 429 by per-client limit.");
  out << "jobcast_client_limit_refusals_total{limit=\"starts\"} "
      << h.limited[static_cast<std::size_t>(client_limit::starts)].load()
      << "\njobcast_client_limit_refusals_total{limit=\"connections\"} "
      << h.limited[static_cast<std::size_t>(client_limit::connections)].load()
      << '\n';
  metric(out, "jobcast_http_responses_total", "counter",
         "HTTP responses by status class.");
  for (std::size_t i = 1; i < h.responses.size(); ++i)
    out << "jobcast_http_responses_total{class=\"" << i << "xx\"} "
        << h.responses[i].load() << '\n';
  return out.str();
}

} // namespace jobcast
