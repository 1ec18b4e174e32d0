// --mode=idle: J quiet jobs with V viewers each (SSE in bench/run), held
// for --hold seconds with nothing published: what an open connection costs
// in memory, what the servers' heartbeats (the same interval on both, set
// by bench/run) cost in CPU, and whether every viewer is still connected
// at the end.

#include "scenario.hpp"
#include "viewers.hpp"

#include <algorithm>

namespace bench {

int run_idle(const options& opt) {
  session s{opt};
  auto f = create_jobs(s, opt, "idle");
  if (!f)
    return 1;
  viewer_shared shared{opt, s.d, f->jobs, 0};
  shared.beat = "heartbeat"; // jobcast ": heartbeat", nchan ":heartbeat"
  auto subscribers = opt.jobs * opt.viewers;
  viewer_pool pool{shared, opt, subscribers};
  auto in = gather(pool, s.d, opt, s.deadline);

  // Hold: nothing is published; RSS is sampled every second for its peak.
  auto self_cpu0 = self_cpu_seconds();
  auto beats_before = pool.heartbeats();
  auto t_hold = now_ns();
  auto hold_deadline = std::min(s.deadline, deadline_after(opt.hold));
  auto rss_peak = in.connected.rss_kb;
  while (clock::now() < hold_deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    hold_deadline - clock::now())
                    .count();
    sleep_ms(static_cast<int>(std::min<std::int64_t>(1000, left + 1)));
    rss_peak = std::max(rss_peak, sample_processes(opt.server_pids).rss_kb);
  }
  auto end = sample_processes(opt.server_pids);
  auto hold_seconds = seconds_since(t_hold);
  auto beats_held = pool.heartbeats() - beats_before;
  auto self_cpu1 = self_cpu_seconds();
  auto server_end = s.d.server_subscribers();
  auto still_connected = shared.ready - shared.ended;
  auto gauges = s.d.server_gauges();
  pool.stop();

  // Heartbeats per viewer over its life, and the interval between its first
  // and last (read times: a load generator busy connecting reads the first
  // ones late, which shortens it).
  std::vector<std::int64_t> beats, interval_ms;
  std::int64_t beats_total = 0;
  auto tally = pool.sum({}, [&](const viewer& v) {
    auto n = static_cast<std::int64_t>(v.beats.count);
    beats.push_back(n);
    beats_total += n;
    if (n > 1)
      interval_ms.push_back((v.t_last_beat - v.t_first_beat) / 1'000'000 /
                            (n - 1));
  });
  std::sort(beats.begin(), beats.end());
  std::sort(interval_ms.begin(), interval_ms.end());
  std::uint64_t server_fd_limit = 0;
  for (int pid : opt.server_pids)
    server_fd_limit = std::max(server_fd_limit, fd_limit_of(pid));

  json_line line;
  add_common(line, opt, std::to_string(opt.jobs) + " jobs");
  line.add("jobs", opt.jobs)
      .add("viewers_per_job", opt.viewers)
      .add("subscribers", subscribers)
      .add("hold_s", opt.hold)
      .add("heartbeat_s", opt.heartbeat)
      .add("fd_limit", static_cast<std::int64_t>(s.fd_limit))
      .add("server_fd_limit", static_cast<std::int64_t>(server_fd_limit));
  add_audience(line, in, shared);
  line.add("hold_seconds", hold_seconds)
      .add("still_connected_at_end", still_connected)
      .add("early_disconnects", shared.early_end.load());
  add_optional(line, "server_subscribers_at_end",
               server_end
                   ? std::optional<std::int64_t>{*server_end - in.baseline}
                   : std::nullopt);
  line.add("heartbeats_seen", beats_total)
      .add("heartbeats_per_viewer_min", beats.empty() ? 0 : beats.front())
      .add("heartbeats_per_viewer_p50",
           static_cast<std::int64_t>(percentile(beats, 50)))
      .add("heartbeats_per_viewer_max", beats.empty() ? 0 : beats.back())
      .add("heartbeat_interval_p50_s", percentile(interval_ms, 50) / 1e3)
      .add("heartbeats_during_hold", beats_held)
      .add("heartbeats_per_viewer_during_hold",
           in.count
               ? static_cast<double>(beats_held) / static_cast<double>(in.count)
               : 0.0);
  if (f->fresh.ok && end.ok && in.connected.ok) {
    auto cpu_idle = end.sched_cpu_seconds - in.connected.sched_cpu_seconds;
    line.add("server_cpu_connect_seconds",
             in.connected.sched_cpu_seconds - in.before.sched_cpu_seconds)
        .add("server_cpu_idle_seconds", cpu_idle)
        .add("server_cpu_idle_ms_per_second",
             hold_seconds > 0 ? cpu_idle * 1e3 / hold_seconds : 0.0)
        .add("server_cpu_us_per_heartbeat",
             beats_held ? cpu_idle * 1e6 / static_cast<double>(beats_held)
                        : 0.0);
    add_job_memory(line, *f, in.before);
    add_rss_figures(line, in, end);
    line.add("server_rss_peak_kb", rss_peak);
  } else {
    line.add_null("server_cpu_idle_seconds");
  }
  line.add("loadgen_cpu_idle_seconds", self_cpu1 - self_cpu0);
  add_gauges_and_errors(line, gauges, tally.errors);
  emit(opt, line,
       "idle " + opt.server + " " + opt.transport + " J=" +
           std::to_string(opt.jobs) + " V=" + std::to_string(opt.viewers) +
           " hold=" + json_number(opt.hold) + "s");
  return 0;
}

} // namespace bench
