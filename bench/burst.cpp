// --mode=burst: one job, V viewers (0 or more), K publisher connections
// flat out (K requests in flight; no pipelining), each request L events:
// one JSON event, or a text/plain body of L lines, which jobcast takes as L
// events and nchan as one message of L lines. Events accepted per second,
// publish latency, and that every viewer got every event.

#include "publisher.hpp"
#include "scenario.hpp"
#include "viewers.hpp"

namespace bench {

int run_burst(const options& opt) {
  session s{opt};
  if (!create_job(s.d, s.control, opt, "burst"))
    return 1;
  // Every connection gets as many requests: --events rounded up.
  auto per_conn =
      std::max<std::size_t>(1, (opt.events + opt.lines * opt.in_flight - 1) /
                                   (opt.lines * opt.in_flight));
  auto events = per_conn * opt.lines * opt.in_flight;
  viewer_shared shared{opt, s.d, {s.d.job()}, events};
  shared.lane = per_conn * opt.lines; // one connection's events, in order
  viewer_pool pool{shared, opt, opt.subscribers};
  auto in = gather(pool, s.d, opt, s.deadline);

  auto self_cpu0 = self_cpu_seconds();
  auto pub = run_publishers(opt, s.d, {s.d.job()},
                            burst_plan(per_conn, opt.lines, opt.in_flight),
                            s.deadline);
  auto publish_seconds = static_cast<double>(pub.t_last - pub.t_start) / 1e9;
  auto published = sample_processes(opt.server_pids);
  auto out = conclude(pool, s.d, opt, in, s.deadline, pub.errors);
  auto per_second = [&](std::size_t n) {
    return publish_seconds > 0 ? static_cast<double>(n) / publish_seconds : 0.0;
  };
  auto messages = pub.requests_ok * s.d.events_per_request(opt.lines);

  json_line line;
  add_common(line, opt, s.d.id());
  line.add("subscribers", opt.subscribers)
      .add("in_flight", opt.in_flight)
      .add("lines", opt.lines)
      .add("events", events)
      .add("requests", per_conn * opt.in_flight)
      .add("event_bytes", opt.event_bytes)
      .add("server_events_per_request", s.d.events_per_request(opt.lines))
      .add("fd_limit", static_cast<std::int64_t>(s.fd_limit));
  add_audience(line, in, shared);
  line.add("requests_ok", pub.requests_ok)
      .add("publish_errors", pub.requests_failed)
      .add("publish_not_sent", pub.not_sent)
      .add("events_accepted", pub.lines_ok)
      .add("server_messages_accepted", messages)
      .add("publish_seconds", publish_seconds)
      .add("events_accepted_per_second", per_second(pub.lines_ok))
      .add("requests_per_second", per_second(pub.requests_ok))
      .add("server_messages_per_second", per_second(messages));
  add_publish_latency(line, pub);
  add_delivery_counts(line, out.tally, in.count * events);
  add_completion(line, out.complete, out.tally, shared);
  add_delivery_timing(line, out.tally.seen, out.latencies, pub.t_start,
                      out.last_delivery);
  if (in.before.ok && out.after.ok && in.connected.ok && published.ok) {
    // schedstat's nanoseconds: a burst lasts a fraction of a second.
    auto cpu_publish =
        published.sched_cpu_seconds - in.connected.sched_cpu_seconds;
    auto cpu = out.after.sched_cpu_seconds - in.connected.sched_cpu_seconds;
    line.add("server_cpu_publish_seconds", cpu_publish)
        .add("server_cpu_drain_seconds", cpu - cpu_publish)
        .add("server_cpu_us_per_event",
             pub.lines_ok ? cpu * 1e6 / static_cast<double>(pub.lines_ok)
                          : 0.0);
    add_rss_figures(line, in, out.after);
  } else {
    line.add_null("server_cpu_publish_seconds");
  }
  line.add("loadgen_cpu_seconds", out.self_cpu - self_cpu0);
  add_gauges_and_errors(line, out.gauges, out.tally.errors);
  emit(opt, line,
       "burst " + opt.server + " " + opt.transport +
           " viewers=" + std::to_string(opt.subscribers) +
           " in-flight=" + std::to_string(opt.in_flight) + " lines=" +
           std::to_string(opt.lines) + " events=" + std::to_string(events));
  return 0;
}

} // namespace bench
