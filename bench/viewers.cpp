#include "viewers.hpp"

#include "scenario.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <future>

namespace bench {

viewer_shared::viewer_shared(const options& o, const dialect& d,
                             const std::vector<job_ref>& jobs,
                             std::size_t events_per_job)
    : opt(o)
    , endpoint(asio::ip::make_address(o.host), o.port)
    , events(events_per_job)
    , expected_status(d.expected_status())
    , ws(o.transport == "ws") {
  for (auto& job : jobs)
    requests.push_back(d.subscribe_request(job));
}

viewer::viewer(viewer_worker& w, asio::io_context& ioc,
               const viewer_shared& shared, std::size_t job_index)
    : worker(w)
    , sock(ioc)
    , job(job_index)
    , base(static_cast<std::uint64_t>(job_index * shared.events))
    , buf(new char[shared.opt.read_buffer])
    , beats(shared.beat)
    , seen(shared.events, 0)
    , lane_max(shared.lane ? (shared.events + shared.lane - 1) / shared.lane
                           : 1,
               -1) {}

void viewer_worker::launch() {
  while (in_flight < limit && next < subs.size()) {
    auto* s = subs[next++].get();
    ++in_flight;
    start(s);
  }
}

void viewer_worker::start(viewer* s) {
  s->phase = 1;
  s->t_start = now_ns();
  s->sock.async_connect(shared.endpoint, [this, s](error_code ec) {
    if (ec)
      return fail(s, "connect: " + short_error(ec));
    error_code ignored;
    s->sock.set_option(tcp::no_delay{true}, ignored);
    asio::async_write(s->sock, asio::buffer(shared.requests[s->job]),
                      [this, s](error_code ec2, std::size_t) {
                        if (ec2)
                          return fail(s, "send request: " + short_error(ec2));
                        read(s);
                      });
  });
}

void viewer_worker::fail(viewer* s, const std::string& why) {
  ++errors[why];
  if (s->phase == 1) {
    --in_flight;
    ++shared.failed;
  }
  s->phase = 4;
  error_code ignored;
  s->sock.close(ignored);
  launch();
}

void viewer_worker::read(viewer* s) {
  s->sock.async_read_some(
      asio::buffer(s->buf.get(), shared.opt.read_buffer),
      [this, s](error_code ec, std::size_t n) { on_read(s, ec, n); });
}

void viewer_worker::on_read(viewer* s, error_code ec, std::size_t n) {
  if (ec) {
    if (s->phase == 1)
      return fail(s, "handshake: " + short_error(ec));
    if (s->phase == 2) {
      s->phase = 3;
      ++shared.ended;
      if (shared.end_on_close) {
        s->got_end = true;
        finished(s, now_ns());
      }
      if (!s->complete && !shared.finish_sent) {
        ++shared.early_end;
        ++errors["stream ended before all events: " + short_error(ec)];
      }
    }
    return;
  }
  auto t = now_ns();
  const char* data = s->buf.get();
  if (s->phase == 1) {
    s->head.append(data, n);
    auto end = s->head.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (s->head.size() > 16384)
        return fail(s, "response header over 16 KiB");
      return read(s);
    }
    auto status = status_of(s->head);
    if (status != shared.expected_status)
      return fail(s, "status " + std::to_string(status));
    s->phase = 2;
    --in_flight;
    ++shared.ready;
    std::string rest = s->head.substr(end + 4);
    s->head.clear();
    s->head.shrink_to_fit();
    launch();
    body(s, rest.data(), rest.size(), t);
  } else {
    body(s, data, n, t);
  }
  read(s);
}

void viewer_worker::body(viewer* s, const char* data, std::size_t n,
                         std::int64_t t) {
  auto found = [this, s, t](std::uint64_t marker, std::int64_t sent) {
    // Another job's marker (or none of any job's) is out of range.
    auto seq = marker - s->base;
    if (marker < s->base || seq >= s->seen.size()) {
      if (shared.replay && marker == s->seen.size()) { // nchan's end marker
        s->got_end = true;
        finished(s, t);
        return;
      }
      ++out_of_range;
      return;
    }
    if (s->seen[seq]) {
      ++s->dups;
      return;
    }
    s->seen[seq] = 1;
    ++s->count;
    auto& max = s->lane_max[shared.lane ? seq / shared.lane : 0];
    if (static_cast<std::int64_t>(seq) < max)
      ++s->ooo;
    else
      max = static_cast<std::int64_t>(seq);
    if (!shared.replay) // a replayed event's send time is long past
      latencies.push_back(t - sent);
    if (s->t_first_event == 0)
      s->t_first_event = t;
    last_delivery = std::max(last_delivery, t);
    if (s->count == s->seen.size()) {
      s->complete = true;
      ++shared.complete;
      finished(s, t);
    }
  };
  if (!shared.ws) {
    s->scanner.feed(data, n, found);
    auto beats = s->beats.count;
    s->beats.feed(data, n);
    if (s->beats.count != beats)
      beat(s, 0, t);
    return;
  }
  s->ws.feed(
      data, n,
      [&](const char* p, std::size_t k) { s->scanner.feed(p, k, found); },
      [&](std::uint8_t opcode, const std::string& payload) {
        if (opcode == 9) {
          beat(s, 1, t);
          send(s, ws_client_frame(0xA, payload));
        } else if (opcode == 8) {
          if (shared.end_on_close) {
            s->got_end = true;
            finished(s, t);
          }
          send(s, ws_client_frame(0x8, payload.substr(0, 2)));
        }
      });
}

void viewer_worker::finished(viewer* s, std::int64_t t) {
  if (!shared.replay || s->done || !s->complete || !s->got_end)
    return;
  s->done = true;
  s->t_done = t;
  ++shared.done;
}

void viewer_worker::beat(viewer* s, std::size_t n, std::int64_t t) {
  s->beats.count += n;
  if (s->t_first_beat == 0)
    s->t_first_beat = t;
  s->t_last_beat = t;
}

void viewer_worker::send(viewer* s, std::string bytes) {
  if (s->writing || s->phase != 2)
    return;
  s->writing = true;
  s->out = std::move(bytes);
  asio::async_write(s->sock, asio::buffer(s->out),
                    [s](error_code, std::size_t) { s->writing = false; });
}

viewer_pool::viewer_pool(viewer_shared& shared, const options& opt,
                         std::size_t count) {
  for (std::size_t i = 0; i < opt.threads; ++i) {
    workers.push_back(std::make_unique<viewer_worker>(shared));
    workers.back()->limit =
        std::max<std::size_t>(1, opt.concurrency / opt.threads);
  }
  auto jobs = std::max<std::size_t>(1, shared.requests.size());
  for (std::size_t i = 0; i < count; ++i) {
    auto& w = *workers[i % workers.size()];
    w.subs.push_back(std::make_unique<viewer>(w, w.ioc, shared, i % jobs));
  }
  if (!shared.replay)
    for (auto& w : workers)
      w->latencies.reserve(w->subs.size() * shared.events);
}

void viewer_pool::start() {
  for (auto& w : workers) {
    guards.emplace_back(w->ioc.get_executor());
    asio::post(w->ioc, [wp = w.get()] { wp->launch(); });
    w->thread = std::thread{[wp = w.get()] { wp->ioc.run(); }};
  }
}

void viewer_pool::stop() {
  for (auto& g : guards)
    g.reset();
  for (auto& w : workers)
    w->ioc.stop();
  for (auto& w : workers)
    w->thread.join();
}

viewer_pool::connected
viewer_pool::connect_all(const dialect& d, std::int64_t baseline,
                         std::chrono::steady_clock::time_point deadline) {
  connected out;
  auto& shared = workers.front()->shared;
  std::size_t total = 0;
  for (auto& w : workers)
    total += w->subs.size();
  auto t0 = now_ns();
  start();
  while (shared.ready + shared.failed < total && clock::now() < deadline)
    sleep_ms(5);
  // Wait until the server counts them all (jobcast: subscriber actors;
  // nchan: stub status subscribers).
  while (clock::now() < deadline) {
    auto n = d.server_subscribers();
    if (n)
      out.server_seen = *n - baseline;
    if (n && out.server_seen >= static_cast<std::int64_t>(shared.ready.load()))
      break;
    sleep_ms(50);
  }
  out.seconds = seconds_since(t0);
  return out;
}

std::size_t viewer_pool::heartbeats() {
  std::vector<std::future<std::size_t>> counts;
  for (auto& w : workers) {
    auto done = std::make_shared<std::promise<std::size_t>>();
    counts.push_back(done->get_future());
    asio::post(w->ioc, [wp = w.get(), done] {
      std::size_t n = 0;
      for (auto& s : wp->subs)
        n += s->beats.count;
      done->set_value(n);
    });
  }
  std::size_t total = 0;
  for (auto& c : counts)
    total += c.get();
  return total;
}

std::vector<std::int64_t>
viewer_pool::latencies(std::int64_t& last_delivery) const {
  std::vector<std::int64_t> lat;
  last_delivery = 0;
  for (auto& w : workers) {
    lat.insert(lat.end(), w->latencies.begin(), w->latencies.end());
    last_delivery = std::max(last_delivery, w->last_delivery);
  }
  std::sort(lat.begin(), lat.end());
  return lat;
}

audience gather(viewer_pool& pool, const dialect& d, const options& opt,
                clock::time_point run_deadline) {
  audience a;
  a.baseline = d.server_subscribers().value_or(0);
  a.before = sample_processes(opt.server_pids);
  auto seen = pool.connect_all(
      d, a.baseline,
      std::min(run_deadline, deadline_after(opt.connect_timeout)));
  a.server_seen = seen.server_seen;
  a.connect_seconds = seen.seconds;
  a.count = pool.workers.front()->shared.ready.load();
  if (a.count > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(
        static_cast<std::int64_t>(opt.settle * 1000)));
  a.connected = sample_processes(opt.server_pids);
  return a;
}

std::size_t drain(const viewer_shared& shared, std::size_t count,
                  const options& opt, clock::time_point run_deadline) {
  auto deadline = std::min(run_deadline, deadline_after(opt.drain));
  while (shared.complete < count && clock::now() < deadline)
    sleep_ms(2);
  return shared.complete.load();
}

outcome conclude(viewer_pool& pool, const dialect& d, const options& opt,
                 const audience& in, clock::time_point run_deadline,
                 std::map<std::string, std::size_t> errors) {
  outcome o;
  o.complete = drain(pool.workers.front()->shared, in.count, opt, run_deadline);
  o.after = sample_processes(opt.server_pids);
  o.self_cpu = self_cpu_seconds();
  o.gauges = d.server_gauges();
  pool.stop();
  o.latencies = pool.latencies(o.last_delivery);
  o.tally = pool.sum(std::move(errors), [](const viewer&) {});
  return o;
}

void add_audience(json_line& line, const audience& in,
                  const viewer_shared& shared) {
  line.add("subscribers_connected", in.count)
      .add("connect_failures", shared.failed.load())
      .add("server_subscribers_seen", in.server_seen)
      .add("connect_seconds", in.connect_seconds);
}

void add_completion(json_line& line, std::size_t complete,
                    const viewer_pool::tally& t, const viewer_shared& shared) {
  line.add("subscribers_complete", complete)
      .add("subscribers_incomplete", t.incomplete)
      .add("early_disconnects", shared.early_end.load());
}

void add_rss_figures(json_line& line, const audience& a,
                     const proc_sample& after) {
  line.add("server_rss_before_kb", a.before.rss_kb)
      .add("server_rss_connected_kb", a.connected.rss_kb)
      .add("server_rss_after_kb", after.rss_kb)
      .add("server_hwm_kb", after.hwm_kb)
      .add("rss_per_subscriber_kb",
           a.count ? static_cast<double>(a.connected.rss_kb - a.before.rss_kb) /
                         static_cast<double>(a.count)
                   : 0.0);
}

void add_delivery_counts(json_line& line, const viewer_pool::tally& t,
                         std::size_t expected) {
  line.add("deliveries_expected", expected)
      .add("deliveries_seen", t.seen)
      .add("missing", expected - std::min(expected, t.seen))
      .add("duplicated", t.dups)
      .add("out_of_order", t.ooo)
      .add("markers_out_of_range", t.out_of_range);
}

void add_delivery_timing(json_line& line, std::size_t seen,
                         const std::vector<std::int64_t>& lat,
                         std::int64_t t_first, std::int64_t last_delivery) {
  auto ms = [](double ns) { return ns / 1e6; };
  double window = last_delivery > t_first
                      ? static_cast<double>(last_delivery - t_first) / 1e9
                      : 0;
  line.add("delivery_seconds", window)
      .add("deliveries_per_second",
           window > 0 ? static_cast<double>(seen) / window : 0.0)
      .add("latency_p50_ms", ms(percentile(lat, 50)))
      .add("latency_p90_ms", ms(percentile(lat, 90)))
      .add("latency_p99_ms", ms(percentile(lat, 99)))
      .add("latency_max_ms",
           ms(lat.empty() ? 0 : static_cast<double>(lat.back())));
}

} // namespace bench
