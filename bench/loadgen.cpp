// jobcast_loadgen: the benchmark load generator (see bench/README.md).
//
//   fanout  N subscribers on one job (jobcast) or channel (nchan), M events
//           published one request at a time, every delivery checked and
//           timed through a marker `B:<seq>:<send_ns>;` in the event text.
//   churn   K subscribe / read first bytes / disconnect cycles, bounded
//           concurrency; then checks the server's subscriber count drops
//           back to where it was.
//   replay  M events published into a job (then finished) or a channel (then
//           an end marker), then N viewers at once read the whole history
//           from the first event to the end; times until all have it.
//
// The many-job, idle and burst modes have files of their own (manyjobs.cpp,
// idle.cpp, burst.cpp); scenario.hpp has what every mode shares.
//
// The readable table goes to stderr, the JSON line to stdout (and to
// --json-out). Every wait is bounded by a deadline.

#include "scenario.hpp"
#include "viewers.hpp"
#include "wire.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <thread>

namespace bench {

namespace {

// -- fan-out -----------------------------------------------------------------

struct publish_stats {
  std::vector<std::int64_t> lat; // round trip per publish, ns
  std::size_t published = 0;
  std::size_t errors = 0;
  std::map<std::string, std::size_t> error_kinds;
};

/// Publishes events 0 .. count-1 one request at a time, paced at `rate`
/// per second (0: flat out), each with its marker and progress.
void publish_events(dialect& d, http_client& client, const options& opt,
                    std::size_t count, double rate, clock::time_point deadline,
                    publish_stats& st) {
  auto t_first = now_ns();
  for (std::size_t i = 0; i < count && clock::now() < deadline; ++i) {
    if (rate > 0) {
      auto due = t_first +
                 static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / rate);
      auto wait = due - now_ns();
      if (wait > 0)
        std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    auto t = now_ns();
    auto res =
        d.publish(client, event_text(i, opt.event_bytes),
                  static_cast<double>(i + 1) / static_cast<double>(count));
    st.lat.push_back(now_ns() - t);
    if (res.status >= 200 && res.status < 300) {
      ++st.published;
    } else {
      ++st.errors;
      ++st.error_kinds[res.status
                           ? "publish: status " + std::to_string(res.status)
                           : "publish: " + res.error];
    }
  }
}

} // namespace

int run_fanout(const options& opt) {
  auto fd_limit = raise_fd_limit();
  auto run_deadline = deadline_after(opt.timeout);
  dialect d{opt};
  http_client control{opt.host, opt.port, 10};
  json_line line;
  if (!create_job(d, control, opt, "fan-out"))
    return 1;
  viewer_shared shared{opt, d, {d.job()}, opt.events};
  viewer_pool pool{shared, opt, opt.subscribers};
  auto& workers = pool.workers;

  // Connect everyone, bounded concurrency, bounded time.
  auto in = gather(pool, d, opt, run_deadline);
  auto& connected = in.connected;
  auto connected_count = in.count;

  // Publish: one request in flight, paced or flat out.
  http_client publisher{opt.host, opt.port, 10};
  publish_stats pub;
  auto self_cpu0 = self_cpu_seconds();
  auto t_first = now_ns();
  publish_events(d, publisher, opt, opt.events, opt.rate, run_deadline, pub);
  auto& publish_lat = pub.lat;
  auto published = pub.published;
  auto publish_errors = pub.errors;
  auto t_last_publish = now_ns();
  auto publish_seconds = static_cast<double>(t_last_publish - t_first) / 1e9;

  // Drain: until every connected subscriber has every event, or time's up.
  auto drained_complete = drain(shared, connected_count, opt, run_deadline);
  auto after = sample_processes(opt.server_pids);
  auto self_cpu1 = self_cpu_seconds();
  auto gauges = d.server_gauges();

  // End the job / delete the channel; count streams that end cleanly.
  shared.finish_sent = true;
  auto fin = d.finish(control);
  auto end_deadline = deadline_after(opt.end_wait);
  while (shared.ended < shared.ready && clock::now() < end_deadline)
    sleep_ms(10);
  auto ended_after_finish = shared.ended - shared.early_end;

  pool.stop();

  std::int64_t last_delivery = 0;
  auto lat = pool.latencies(last_delivery);
  auto tally = pool.sum(pub.error_kinds, [](const viewer&) {});
  auto expected = connected_count * opt.events;
  auto ms = [](double ns) { return ns / 1e6; };

  add_common(line, opt, d.id());
  line.add("subscribers", opt.subscribers)
      .add("events", opt.events)
      .add("rate", opt.rate)
      .add("event_bytes", opt.event_bytes)
      .add("fd_limit", static_cast<std::int64_t>(fd_limit));
  add_audience(line, in, shared);
  line.add("events_published", published)
      .add("publish_errors", publish_errors)
      .add("publish_seconds", publish_seconds);
  add_delivery_counts(line, tally, expected);
  add_completion(line, drained_complete, tally, shared);
  line.add("finish_status", fin.status)
      .add("streams_ended_after_finish", ended_after_finish);
  add_delivery_timing(line, tally.seen, lat, t_first, last_delivery);
  std::sort(publish_lat.begin(), publish_lat.end());
  line.add("publish_p50_ms", ms(percentile(publish_lat, 50)))
      .add("publish_max_ms",
           ms(publish_lat.empty() ? 0
                                  : static_cast<double>(publish_lat.back())));
  if (in.before.ok && after.ok && connected.ok) {
    auto cpu_publish = after.cpu_seconds - connected.cpu_seconds;
    line.add("server_cpu_seconds", after.cpu_seconds - in.before.cpu_seconds)
        .add("server_cpu_connect_seconds",
             connected.cpu_seconds - in.before.cpu_seconds)
        .add("server_cpu_publish_seconds", cpu_publish)
        .add("server_cpu_us_per_delivery",
             tally.seen ? cpu_publish * 1e6 / static_cast<double>(tally.seen)
                        : 0.0);
    add_rss_figures(line, in, after);
  } else {
    line.add_null("server_cpu_seconds");
  }
  line.add("loadgen_cpu_publish_seconds", self_cpu1 - self_cpu0);
  add_gauges_and_errors(line, gauges, tally.errors);
  emit(opt, line,
       "fan-out " + opt.server + " " + opt.transport +
           " N=" + std::to_string(opt.subscribers) +
           " M=" + std::to_string(opt.events) + " rate=" +
           (opt.rate > 0 ? json_number(opt.rate) + "/s" : "flat-out"));
  // Sockets close as the workers go away.
  workers.clear();
  return 0;
}

// -- replay ------------------------------------------------------------------

int run_replay(const options& opt) {
  auto fd_limit = raise_fd_limit();
  auto run_deadline = deadline_after(opt.timeout);
  dialect d{opt};
  http_client control{opt.host, opt.port, 10};
  json_line line;
  if (!create_job(d, control, opt, "replay"))
    return 1;

  // The history: M events at --rate (0: flat out; nchan's message ids count
  // the messages of one second in an int16: past 32,767 in a second its
  // subscribers miss messages), then the end. jobcast: the job is
  // finished, so its streams end after the end event; nchan has no end, so
  // the channel gets one more message, marker seq M, that stands for it.
  publish_stats pub;
  auto t_pub = now_ns();
  publish_events(d, control, opt, opt.events, opt.rate, run_deadline, pub);
  auto end =
      opt.server == "nchan"
          ? d.publish(control, event_text(opt.events, opt.event_bytes), -1)
          : d.finish(control);
  auto publish_seconds = seconds_since(t_pub);
  auto kept = d.history_length(control);

  viewer_shared shared{opt, d, {d.job()}, opt.events};
  shared.replay = true;
  shared.end_on_close = opt.server == "jobcast";
  viewer_pool pool{shared, opt, opt.subscribers};

  // Every viewer connects at once (up to --concurrency) and reads the whole
  // history; the clock runs from the first connect to the last viewer done.
  auto before = sample_processes(opt.server_pids);
  auto rss_peak = before.rss_kb;
  auto self_cpu0 = self_cpu_seconds();
  auto t0 = now_ns();
  pool.start();
  auto next_sample = clock::now();
  while (shared.done + shared.failed + shared.early_end < opt.subscribers &&
         clock::now() < run_deadline) {
    if (clock::now() >= next_sample) {
      rss_peak = std::max(rss_peak, sample_processes(opt.server_pids).rss_kb);
      next_sample = clock::now() + std::chrono::milliseconds(100);
    }
    sleep_ms(2);
  }
  auto after = sample_processes(opt.server_pids);
  auto self_cpu1 = self_cpu_seconds();
  rss_peak = std::max(rss_peak, after.rss_kb);
  auto gauges = d.server_gauges();
  pool.stop();

  std::int64_t last_done = 0;
  std::vector<std::int64_t> first_event, done_after;
  auto [connected, seen, dups, ooo, out_of_range, incomplete_, errors] =
      pool.sum(pub.error_kinds, [&](const viewer& s) {
        if (s.t_first_event)
          first_event.push_back(s.t_first_event - s.t_start);
        if (s.done) {
          done_after.push_back(s.t_done - t0);
          last_done = std::max(last_done, s.t_done);
        }
      });
  std::sort(first_event.begin(), first_event.end());
  std::sort(done_after.begin(), done_after.end());
  auto viewers_done = shared.done.load();
  bool all_done = viewers_done == opt.subscribers;
  auto wall = static_cast<double>(last_done - t0) / 1e9;
  auto expected = opt.subscribers * opt.events;
  auto ms = [](double ns) { return ns / 1e6; };

  add_common(line, opt, d.id());
  line.add("subscribers", opt.subscribers)
      .add("events", opt.events)
      .add("event_bytes", opt.event_bytes)
      .add("rate", opt.rate)
      .add("fd_limit", static_cast<std::int64_t>(fd_limit))
      .add("events_published", pub.published)
      .add("publish_errors", pub.errors)
      .add("publish_seconds", publish_seconds)
      .add("end_status", end.status);
  if (kept)
    line.add("history_events", *kept);
  else
    line.add_null("history_events");
  line.add("subscribers_connected", connected)
      .add("connect_failures", shared.failed.load())
      .add("viewers_done", viewers_done)
      .add("early_disconnects", shared.early_end.load())
      .add("deliveries_expected", expected)
      .add("deliveries_seen", seen)
      .add("missing", expected - std::min(expected, seen))
      .add("duplicated", dups)
      .add("out_of_order", ooo)
      .add("markers_out_of_range", out_of_range);
  if (all_done)
    line.add("replay_seconds", wall)
        .add("events_per_second", static_cast<double>(seen) / wall);
  else
    line.add_null("replay_seconds").add_null("events_per_second");
  line.add("first_event_p50_ms", ms(percentile(first_event, 50)))
      .add(
          "first_event_max_ms",
          ms(first_event.empty() ? 0 : static_cast<double>(first_event.back())))
      .add("viewer_done_p50_s", percentile(done_after, 50) / 1e9)
      .add("viewer_done_max_s",
           done_after.empty() ? 0
                              : static_cast<double>(done_after.back()) / 1e9);
  if (before.ok && after.ok) {
    // schedstat's nanoseconds: a 1-viewer replay takes tens of ms, a few
    // clock ticks. The server's threads all live for the whole run.
    auto cpu = after.sched_cpu_seconds - before.sched_cpu_seconds;
    line.add("server_cpu_seconds", cpu)
        .add("server_cpu_ticks_seconds", after.cpu_seconds - before.cpu_seconds)
        .add("server_cpu_us_per_event",
             seen ? cpu * 1e6 / static_cast<double>(seen) : 0.0)
        .add("server_rss_before_kb", before.rss_kb)
        .add("server_rss_peak_kb", rss_peak)
        .add("rss_growth_peak_kb", rss_peak - before.rss_kb)
        .add("server_rss_after_kb", after.rss_kb)
        .add("server_hwm_kb", after.hwm_kb);
  } else {
    line.add_null("server_cpu_seconds");
  }
  line.add("loadgen_cpu_seconds", self_cpu1 - self_cpu0);
  add_gauges_and_errors(line, gauges, errors);
  emit(opt, line,
       "replay " + opt.server + " " + opt.transport +
           " viewers=" + std::to_string(opt.subscribers) +
           " M=" + std::to_string(opt.events));
  return 0;
}

// -- churn -------------------------------------------------------------------

namespace {

struct churn_slot {
  explicit churn_slot(asio::io_context& ioc, std::size_t buffer)
      : timer(ioc)
      , buf(new char[buffer]) {}
  std::optional<tcp::socket> sock;
  asio::steady_timer timer;
  std::unique_ptr<char[]> buf;
  std::string head;
  std::uint64_t generation = 0;
  bool body_phase = false;
  std::int64_t started = 0;
  marker_scanner scanner;
  ws_reader ws;
};

struct churn_worker {
  const options& opt;
  tcp::endpoint endpoint;
  const std::string& request;
  int expected_status;
  bool want_marker;
  clock::time_point deadline;
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<churn_slot>> slots;
  std::size_t assigned = 0;
  std::size_t started = 0;
  std::size_t ok = 0;
  std::size_t failed = 0;
  std::vector<std::int64_t> first_bytes;
  std::map<std::string, std::size_t> errors;
  std::thread thread;

  churn_worker(const options& o, tcp::endpoint ep, const std::string& req,
               int status, bool marker, clock::time_point dl)
      : opt(o)
      , endpoint(ep)
      , request(req)
      , expected_status(status)
      , want_marker(marker)
      , deadline(dl) {}

  void begin(std::size_t concurrency) {
    for (std::size_t i = 0; i < concurrency && i < assigned; ++i)
      slots.push_back(std::make_unique<churn_slot>(ioc, opt.read_buffer));
    for (auto& s : slots)
      next(s.get());
  }

  void next(churn_slot* s) {
    if (started >= assigned || clock::now() >= deadline)
      return;
    ++started;
    auto gen = ++s->generation;
    s->sock.emplace(ioc);
    s->head.clear();
    s->body_phase = false;
    s->scanner = marker_scanner{};
    s->ws = ws_reader{};
    s->started = now_ns();
    s->timer.expires_after(std::chrono::milliseconds(
        static_cast<std::int64_t>(opt.cycle_timeout * 1000)));
    s->timer.async_wait([this, s, gen](error_code ec) {
      if (!ec && s->generation == gen)
        done(s, "cycle timeout");
    });
    s->sock->async_connect(endpoint, [this, s, gen](error_code ec) {
      if (s->generation != gen)
        return;
      if (ec)
        return done(s, "connect: " + short_error(ec));
      asio::async_write(*s->sock, asio::buffer(request),
                        [this, s, gen](error_code ec2, std::size_t) {
                          if (s->generation != gen)
                            return;
                          if (ec2)
                            return done(s, "send request: " + short_error(ec2));
                          read(s, gen);
                        });
    });
  }

  void read(churn_slot* s, std::uint64_t gen) {
    s->sock->async_read_some(
        asio::buffer(s->buf.get(), opt.read_buffer),
        [this, s, gen](error_code ec, std::size_t n) {
          if (s->generation != gen)
            return;
          if (ec)
            return done(s, (s->body_phase ? "stream: " : "handshake: ") +
                               short_error(ec));
          const char* data = s->buf.get();
          std::size_t len = n;
          std::string rest;
          if (!s->body_phase) {
            s->head.append(data, n);
            auto end = s->head.find("\r\n\r\n");
            if (end == std::string::npos) {
              if (s->head.size() > 16384)
                return done(s, "response header over 16 KiB");
              return read(s, gen);
            }
            auto status = status_of(s->head);
            if (status != expected_status)
              return done(s, "status " + std::to_string(status));
            s->body_phase = true;
            if (!want_marker)
              return done(s, {});
            rest = s->head.substr(end + 4);
            data = rest.data();
            len = rest.size();
          }
          bool got = false;
          auto found = [&](std::uint64_t, std::int64_t) { got = true; };
          if (expected_status == 101)
            s->ws.feed(
                data, len,
                [&](const char* p, std::size_t k) {
                  s->scanner.feed(p, k, found);
                },
                [](std::uint8_t, const std::string&) {});
          else
            s->scanner.feed(data, len, found);
          if (got)
            return done(s, {});
          read(s, gen);
        });
  }

  /// Ends a cycle: success if `why` is empty. Closes the connection (FIN)
  /// and starts the next cycle in this slot.
  void done(churn_slot* s, const std::string& why) {
    ++s->generation;
    s->timer.cancel();
    if (why.empty()) {
      ++ok;
      first_bytes.push_back(now_ns() - s->started);
    } else {
      ++failed;
      ++errors[why];
    }
    error_code ignored;
    s->sock->shutdown(tcp::socket::shutdown_both, ignored);
    s->sock->close(ignored);
    // Let the handlers of the old socket run (and bail) before reuse.
    asio::post(ioc, [this, s] { next(s); });
  }
};

} // namespace

int run_churn(const options& opt) {
  auto fd_limit = raise_fd_limit();
  auto run_deadline = deadline_after(opt.timeout);
  dialect d{opt};
  http_client control{opt.host, opt.port, 10};
  json_line line;
  if (!create_job(d, control, opt, "churn"))
    return 1;
  std::size_t prefill_errors = 0;
  for (std::size_t i = 0; i < opt.prefill; ++i) {
    auto res = d.publish(control, event_text(i, opt.event_bytes), -1);
    if (res.status < 200 || res.status >= 300)
      ++prefill_errors;
  }
  auto baseline = d.server_subscribers();
  auto fresh = sample_processes(opt.server_pids);
  auto request = d.subscribe_request();
  tcp::endpoint ep{asio::ip::make_address(opt.host), opt.port};
  bool want_marker = opt.prefill > 0 && prefill_errors == 0;

  // Runs `cycles` cycles, `concurrency` in flight; returns the workers.
  auto run_cycles = [&](std::size_t cycles) {
    std::vector<std::unique_ptr<churn_worker>> workers;
    for (std::size_t i = 0; i < opt.threads; ++i)
      workers.push_back(std::make_unique<churn_worker>(
          opt, ep, request, d.expected_status(), want_marker, run_deadline));
    for (std::size_t i = 0; i < cycles; ++i)
      ++workers[i % workers.size()]->assigned;
    auto per = std::max<std::size_t>(1, opt.concurrency / opt.threads);
    for (auto& w : workers) {
      asio::post(w->ioc, [wp = w.get(), per] { wp->begin(per); });
      w->thread = std::thread{[wp = w.get()] { wp->ioc.run(); }};
    }
    for (auto& w : workers)
      w->thread
          .join(); // each stops when its cycles are done or at the deadline
    return workers;
  };
  // Warm-up: the server reaches its working set for `concurrency` viewers
  // (allocator arenas, pools, code pages) before the measured run, so that
  // "before" and "after" compare like with like; growth from the fresh
  // process is reported too.
  std::size_t warmup_ok = 0;
  if (opt.warmup > 0)
    for (auto& w : run_cycles(opt.warmup))
      warmup_ok += w->ok;
  auto before = sample_processes(opt.server_pids);
  auto t0 = now_ns();
  auto workers = run_cycles(opt.cycles);
  auto churn_seconds = seconds_since(t0);
  auto cycles_done = sample_processes(opt.server_pids);

  std::size_t ok = 0, failed = 0;
  std::vector<std::int64_t> first_bytes;
  std::map<std::string, std::size_t> errors;
  for (auto& w : workers) {
    ok += w->ok;
    failed += w->failed;
    first_bytes.insert(first_bytes.end(), w->first_bytes.begin(),
                       w->first_bytes.end());
    for (auto& [what, n] : w->errors)
      errors[what] += n;
  }
  std::sort(first_bytes.begin(), first_bytes.end());

  // Does the server's subscriber count come back to where it was?
  auto immediately = d.server_subscribers();
  std::optional<std::int64_t> settled = immediately;
  double zero_seconds = -1;
  auto t_wait = now_ns();
  auto zero_deadline = std::min(run_deadline + std::chrono::seconds(30),
                                deadline_after(opt.zero_wait));
  while (clock::now() < zero_deadline) {
    settled = d.server_subscribers();
    if (settled && baseline && *settled <= *baseline) {
      zero_seconds = seconds_since(t_wait);
      break;
    }
    sleep_ms(100);
  }
  auto after = sample_processes(opt.server_pids);
  auto gauges = d.server_gauges();
  auto fin = d.finish(control);

  auto ms = [](double ns) { return ns / 1e6; };
  add_common(line, opt, d.id());
  line.add("cycles", opt.cycles)
      .add("concurrency", opt.concurrency)
      .add("prefill", opt.prefill)
      .add("prefill_errors", prefill_errors)
      .add("warmup_cycles", opt.warmup)
      .add("warmup_cycles_ok", warmup_ok)
      .add("waits_for", want_marker ? "first marker" : "response header")
      .add("fd_limit", static_cast<std::int64_t>(fd_limit))
      .add("cycles_ok", ok)
      .add("cycles_failed", failed)
      .add("cycles_not_started", opt.cycles - ok - failed)
      .add("churn_seconds", churn_seconds)
      .add("cycles_per_second",
           churn_seconds > 0 ? static_cast<double>(ok + failed) / churn_seconds
                             : 0.0)
      .add("first_bytes_p50_ms", ms(percentile(first_bytes, 50)))
      .add("first_bytes_p99_ms", ms(percentile(first_bytes, 99)))
      .add("first_bytes_max_ms",
           ms(first_bytes.empty() ? 0
                                  : static_cast<double>(first_bytes.back())));
  add_optional(line, "server_subscribers_before", baseline);
  add_optional(line, "server_subscribers_immediately_after", immediately);
  add_optional(line, "server_subscribers_after", settled);
  if (zero_seconds >= 0)
    line.add("seconds_to_baseline", zero_seconds);
  else
    line.add_null("seconds_to_baseline");
  if (fresh.ok && before.ok && after.ok) {
    line.add("server_cpu_seconds", cycles_done.cpu_seconds - before.cpu_seconds)
        .add("server_rss_fresh_kb", fresh.rss_kb)
        .add("rss_growth_from_fresh_kb", after.rss_kb - fresh.rss_kb)
        .add("server_rss_before_kb", before.rss_kb)
        .add("server_rss_after_kb", after.rss_kb)
        .add("rss_growth_kb", after.rss_kb - before.rss_kb)
        .add("server_hwm_kb", after.hwm_kb);
  }
  line.add("finish_status", fin.status);
  add_gauges_and_errors(line, gauges, errors);
  emit(opt, line,
       "churn " + opt.server + " " + opt.transport +
           " K=" + std::to_string(opt.cycles));
  return 0;
}

// -- small modes
// ---------------------------------------------------------------

namespace {

int run_free_port() {
  asio::io_context ioc;
  tcp::acceptor acc{ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
  std::cout << acc.local_endpoint().port() << std::endl;
  return 0;
}

/// Creates a job/channel, publishes one event, and says what came back.
} // namespace

int run_probe(const options& opt) {
  dialect d{opt};
  http_client control{opt.host, opt.port, 10};
  if (auto err = d.create(control); !err.empty()) {
    std::cout << "create: " << err << std::endl;
    return 1;
  }
  auto res = d.publish(control, event_text(0, opt.event_bytes), 0.5);
  std::cout << "job " << d.id() << " publish: " << res.status << ' ' << res.body
            << res.error << std::endl;
  auto fin = d.finish(control);
  std::cout << "finish: " << fin.status << ' ' << fin.body << fin.error
            << std::endl;
  return res.status >= 200 && res.status < 300 ? 0 : 1;
}

} // namespace bench

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  try {
    bench::note_start_load();
    if (opt.mode == "report")
      return bench::run_report(opt);
    if (opt.mode == "free-port")
      return bench::run_free_port();
    if (opt.port == 0) {
      std::cerr << "jobcast_loadgen: --port is required\n";
      return 2;
    }
    using mode_fn = int (*)(const bench::options&);
    const std::map<std::string, mode_fn> modes = {
        {"fanout", bench::run_fanout}, {"churn", bench::run_churn},
        {"replay", bench::run_replay}, {"manyjobs", bench::run_manyjobs},
        {"idle", bench::run_idle},     {"burst", bench::run_burst},
        {"probe", bench::run_probe}};
    if (auto it = modes.find(opt.mode); it != modes.end())
      return it->second(opt);
    std::cerr << "jobcast_loadgen: unknown --mode=" << opt.mode << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "jobcast_loadgen: " << e.what() << '\n';
    return 1;
  }
}
