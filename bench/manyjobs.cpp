// --mode=manyjobs: J jobs (nchan: channels) with V viewers each, every job
// publishing R events/s for D seconds from P keep-alive publisher
// connections that share the jobs out and follow one schedule (a CI
// dashboard: many jobs, a few viewers each). Every viewer checks its job's
// markers; latency is publish send stamp to viewer read stamp, as in
// fan-out.

#include "publisher.hpp"
#include "scenario.hpp"
#include "viewers.hpp"

#include <cmath>

namespace bench {

int run_manyjobs(const options& opt) {
  session s{opt};
  auto f = create_jobs(s, opt, "many jobs");
  if (!f)
    return 1;
  auto events =
      static_cast<std::size_t>(std::llround(opt.job_rate * opt.duration));
  viewer_shared shared{opt, s.d, f->jobs, events};
  auto subscribers = opt.jobs * opt.viewers;
  viewer_pool pool{shared, opt, subscribers};
  auto in = gather(pool, s.d, opt, s.deadline);

  // Publish on this thread while the viewers read on theirs.
  auto self_cpu0 = self_cpu_seconds();
  auto pub = run_publishers(
      opt, s.d, f->jobs,
      paced_plan(opt.jobs, events, opt.job_rate, opt.publishers), s.deadline);
  auto publish_seconds = static_cast<double>(pub.t_last - pub.t_start) / 1e9;
  auto out = conclude(pool, s.d, opt, in, s.deadline, pub.errors);
  auto ms = [](double ns) { return ns / 1e6; };
  std::sort(pub.lag.begin(), pub.lag.end());

  json_line line;
  add_common(line, opt, std::to_string(opt.jobs) + " jobs");
  line.add("jobs", opt.jobs)
      .add("viewers_per_job", opt.viewers)
      .add("subscribers", subscribers)
      .add("job_rate", opt.job_rate)
      .add("duration_s", opt.duration)
      .add("events_per_job", events)
      .add("publishers", opt.publishers)
      .add("event_bytes", opt.event_bytes)
      .add("fd_limit", static_cast<std::int64_t>(s.fd_limit));
  add_audience(line, in, shared);
  line.add("publish_target_per_second",
           static_cast<double>(opt.jobs) * opt.job_rate)
      .add("events_published", pub.requests_ok)
      .add("publish_errors", pub.requests_failed)
      .add("publish_not_sent", pub.not_sent)
      .add("publish_seconds", publish_seconds)
      .add("publish_per_second",
           publish_seconds > 0
               ? static_cast<double>(pub.requests_ok) / publish_seconds
               : 0.0)
      .add("publish_lag_p50_ms", ms(percentile(pub.lag, 50)))
      .add("publish_lag_p99_ms", ms(percentile(pub.lag, 99)));
  add_publish_latency(line, pub);
  add_delivery_counts(line, out.tally, in.count * events);
  add_completion(line, out.complete, out.tally, shared);
  line.add("deliveries_target_per_second",
           static_cast<double>(subscribers) * opt.job_rate);
  add_delivery_timing(line, out.tally.seen, out.latencies, pub.t_start,
                      out.last_delivery);
  if (f->fresh.ok && out.after.ok && in.connected.ok) {
    // schedstat's nanoseconds, like the burst and idle modes.
    auto cpu_publish =
        out.after.sched_cpu_seconds - in.connected.sched_cpu_seconds;
    line.add("server_cpu_connect_seconds",
             in.connected.sched_cpu_seconds - in.before.sched_cpu_seconds)
        .add("server_cpu_publish_seconds", cpu_publish)
        .add("server_cpu_us_per_delivery",
             out.tally.seen
                 ? cpu_publish * 1e6 / static_cast<double>(out.tally.seen)
                 : 0.0);
    add_job_memory(line, *f, in.before);
    add_rss_figures(line, in, out.after);
  } else {
    line.add_null("server_cpu_publish_seconds");
  }
  line.add("loadgen_cpu_publish_seconds", out.self_cpu - self_cpu0);
  add_gauges_and_errors(line, out.gauges, out.tally.errors);
  emit(opt, line,
       "many jobs " + opt.server + " " + opt.transport + " J=" +
           std::to_string(opt.jobs) + " V=" + std::to_string(opt.viewers) +
           " R=" + json_number(opt.job_rate) +
           "/s D=" + json_number(opt.duration) + "s");
  return 0;
}

} // namespace bench
