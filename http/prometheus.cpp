#include "http/prometheus.hpp"

#include "actors/metrics.hpp"

#include <sstream>

namespace jobcast {

namespace {

void metric(std::ostringstream& out, const char* name, const char* type,
            const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type
      << '\n';
}

} // namespace

std::string render_metrics(const connection_tracker& connections,
                           const std::vector<job_info>& jobs,
                           std::size_t actors) {
  auto& m = global_metrics();
  std::ostringstream out;
  metric(out, "jobcast_jobs", "gauge", "Jobs known (running and retained).");
  std::size_t by_state[5] = {};
  for (auto& job : jobs)
    by_state[static_cast<std::size_t>(job.state)]++;
  for (std::size_t i = 0; i < 5; ++i)
    out << "jobcast_jobs{state=\"" << to_string(static_cast<job_state>(i))
        << "\"} " << by_state[i] << '\n';
  metric(out, "jobcast_actors_running", "gauge", "CAF actors alive.");
  out << "jobcast_actors_running " << actors << '\n';
  metric(out, "jobcast_connections_open", "gauge", "Open TCP connections.");
  out << "jobcast_connections_open " << connections.size() << '\n';
  metric(out, "jobcast_subscriber_actors", "gauge", "Subscriber actors alive.");
  out << "jobcast_subscriber_actors " << m.subscribers.load() << '\n';
  metric(out, "jobcast_streams_open", "gauge", "Open streams by transport.");
  const char* names[] = {"chunked", "sse", "ws"};
  for (std::size_t i = 0; i < m.streams.size(); ++i)
    out << "jobcast_streams_open{transport=\"" << names[i] << "\"} "
        << m.streams[i].load() << '\n';
  metric(out, "jobcast_jobs_started_total", "counter", "Jobs started.");
  out << "jobcast_jobs_started_total " << m.jobs_started.load() << '\n';
  metric(out, "jobcast_events_published_total", "counter",
         "Events published by jobs.");
  out << "jobcast_events_published_total " << m.events_published.load() << '\n';
  metric(out, "jobcast_events_delivered_total", "counter",
         "Events handed to connections.");
  out << "jobcast_events_delivered_total " << m.events_delivered.load() << '\n';
  metric(out, "jobcast_stream_queued_bytes", "gauge",
         "Bytes queued for streaming connections, not yet written.");
  out << "jobcast_stream_queued_bytes " << m.queued_bytes.load() << '\n';
  metric(out, "jobcast_slow_subscriber_disconnects_total", "counter",
         "Streams dropped for falling too far behind.");
  out << "jobcast_slow_subscriber_disconnects_total "
      << m.slow_disconnects.load() << '\n';
  metric(out, "jobcast_http_responses_total", "counter",
         "HTTP responses by status class.");
  for (std::size_t i = 1; i < m.responses.size(); ++i)
    out << "jobcast_http_responses_total{class=\"" << i << "xx\"} "
        << m.responses[i].load() << '\n';
  return out.str();
}

} // namespace jobcast
