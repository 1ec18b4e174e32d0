// jobcast_loadgen: the benchmark load generator (see bench/README.md).
//
//   fanout  N subscribers on one job (jobcast) or channel (nchan), M events
//           published one request at a time, every delivery checked and
//           timed through a marker `B:<seq>:<send_ns>;` in the event text.
//   churn   K subscribe / read first bytes / disconnect cycles, bounded
//           concurrency; then checks the server's subscriber count drops
//           back to where it was.
//
// The readable table goes to stderr, the JSON line to stdout (and to
// --json-out). Every wait is bounded by a deadline.

#include "common.hpp"
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

int run_report(const options& opt); // report.cpp

namespace {

using error_code = boost::system::error_code;
using clock = std::chrono::steady_clock;

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

clock::time_point deadline_after(double seconds) {
  return clock::now() +
         std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6));
}

std::string short_error(const error_code& ec) {
  if (ec == asio::error::eof)
    return "eof";
  return ec.message();
}

/// The text of event `seq`: the marker first, padded to `bytes`.
std::string event_text(std::size_t seq, std::size_t bytes) {
  std::string text = "B:" + std::to_string(seq) + ":" +
                     std::to_string(now_ns()) + "; bench event " +
                     std::to_string(seq);
  if (text.size() < bytes)
    text.append(bytes - text.size(), '.');
  return text;
}

int status_of(const std::string& head) {
  if (head.compare(0, 5, "HTTP/") != 0)
    return 0;
  auto sp = head.find(' ');
  if (sp == std::string::npos)
    return 0;
  return std::atoi(head.c_str() + sp + 1);
}

void emit(const options& opt, const json_line& line, const std::string& title) {
  std::cerr << "\n" << title << "\n";
  for (auto& [key, value] : line.rows())
    std::cerr << "  " << std::left << std::setw(38) << key << ' ' << value
              << '\n';
  auto text = line.str();
  std::cout << text << std::endl;
  if (!opt.json_out.empty()) {
    std::ofstream out{opt.json_out, std::ios::app};
    out << text << '\n';
  }
}

std::string errors_json(const std::map<std::string, std::size_t>& errors) {
  std::string out = "{";
  for (auto& [what, n] : errors) {
    if (out.size() > 1)
      out += ',';
    out += json_quote(what) + ':' + std::to_string(n);
  }
  return out + "}";
}

double load_at_start = -1;

void add_common(json_line& line, const options& opt, const std::string& id) {
  line.add("tool", "jobcast_loadgen")
      .add("label", opt.label)
      .add("mode", opt.mode)
      .add("server", opt.server)
      .add("transport", opt.transport)
      .add("job", id)
      .add("loadavg_1m_start", load_at_start)
      .add("loadavg_1m_end", load_average());
}

/// Creates the scenario's job/channel; if that fails, emits a line that says
/// why and returns false.
bool create_job(dialect& d, http_client& control, const options& opt,
                const std::string& scenario) {
  auto err = d.create(control);
  if (err.empty())
    return true;
  json_line line;
  add_common(line, opt, "");
  line.add("error", err);
  emit(opt, line, scenario + ": could not start");
  return false;
}

// -- fan-out -----------------------------------------------------------------

struct fan_shared {
  explicit fan_shared(const options& o)
      : opt(o) {}
  const options& opt;
  tcp::endpoint endpoint;
  std::string request;
  int expected_status = 200;
  bool ws = false;
  std::atomic<std::size_t> ready{0};
  std::atomic<std::size_t> failed{0};
  std::atomic<std::size_t> complete{0};
  std::atomic<std::size_t> ended{0};
  std::atomic<std::size_t> early_end{0};
  std::atomic<bool> finish_sent{false};
};

struct fan_worker;

struct fan_sub {
  fan_sub(fan_worker& w, asio::io_context& ioc, std::size_t events,
          std::size_t buffer)
      : worker(w)
      , sock(ioc)
      , buf(new char[buffer])
      , seen(events, 0) {}
  fan_worker& worker;
  tcp::socket sock;
  std::unique_ptr<char[]> buf;
  std::string head;
  int phase = 0; // 0 waiting, 1 handshake, 2 streaming, 3 ended, 4 failed
  marker_scanner scanner;
  ws_reader ws;
  std::vector<std::uint8_t> seen;
  std::uint32_t count = 0;
  std::uint32_t dups = 0;
  std::uint32_t ooo = 0;
  std::int64_t max_seq = -1;
  bool complete = false;
  bool writing = false;
  std::string out;
};

struct fan_worker {
  explicit fan_worker(fan_shared& s)
      : shared(s) {}
  fan_shared& shared;
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<fan_sub>> subs;
  std::size_t next = 0;
  std::size_t in_flight = 0;
  std::size_t limit = 1;
  std::vector<std::int64_t> latencies;
  std::int64_t last_delivery = 0;
  std::size_t out_of_range = 0;
  std::map<std::string, std::size_t> errors;
  std::thread thread;

  void launch() {
    while (in_flight < limit && next < subs.size()) {
      auto* s = subs[next++].get();
      ++in_flight;
      start(s);
    }
  }

  void start(fan_sub* s) {
    s->phase = 1;
    s->sock.async_connect(shared.endpoint, [this, s](error_code ec) {
      if (ec)
        return fail(s, "connect: " + short_error(ec));
      error_code ignored;
      s->sock.set_option(tcp::no_delay{true}, ignored);
      asio::async_write(s->sock, asio::buffer(shared.request),
                        [this, s](error_code ec2, std::size_t) {
                          if (ec2)
                            return fail(s, "send request: " + short_error(ec2));
                          read(s);
                        });
    });
  }

  void fail(fan_sub* s, const std::string& why) {
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

  void read(fan_sub* s) {
    s->sock.async_read_some(
        asio::buffer(s->buf.get(), shared.opt.read_buffer),
        [this, s](error_code ec, std::size_t n) { on_read(s, ec, n); });
  }

  void on_read(fan_sub* s, error_code ec, std::size_t n) {
    if (ec) {
      if (s->phase == 1)
        return fail(s, "handshake: " + short_error(ec));
      if (s->phase == 2) {
        s->phase = 3;
        ++shared.ended;
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

  void body(fan_sub* s, const char* data, std::size_t n, std::int64_t t) {
    auto found = [this, s, t](std::uint64_t seq, std::int64_t sent) {
      if (seq >= s->seen.size()) {
        ++out_of_range;
        return;
      }
      if (s->seen[seq]) {
        ++s->dups;
        return;
      }
      s->seen[seq] = 1;
      ++s->count;
      if (static_cast<std::int64_t>(seq) < s->max_seq)
        ++s->ooo;
      else
        s->max_seq = static_cast<std::int64_t>(seq);
      latencies.push_back(t - sent);
      last_delivery = std::max(last_delivery, t);
      if (s->count == s->seen.size()) {
        s->complete = true;
        ++shared.complete;
      }
    };
    if (!shared.ws) {
      s->scanner.feed(data, n, found);
      return;
    }
    s->ws.feed(
        data, n,
        [&](const char* p, std::size_t k) { s->scanner.feed(p, k, found); },
        [&](std::uint8_t opcode, const std::string& payload) {
          if (opcode == 9)
            send(s, ws_client_frame(0xA, payload));
          else if (opcode == 8)
            send(s, ws_client_frame(0x8, payload.substr(0, 2)));
        });
  }

  /// One write at a time; a control reply that finds one in flight is
  /// dropped (pings are rare).
  void send(fan_sub* s, std::string bytes) {
    if (s->writing || s->phase != 2)
      return;
    s->writing = true;
    s->out = std::move(bytes);
    asio::async_write(s->sock, asio::buffer(s->out),
                      [s](error_code, std::size_t) { s->writing = false; });
  }
};

int run_fanout(const options& opt) {
  auto fd_limit = raise_fd_limit();
  auto run_deadline = deadline_after(opt.timeout);
  dialect d{opt};
  http_client control{opt.host, opt.port, 10};
  json_line line;
  if (!create_job(d, control, opt, "fan-out"))
    return 1;
  fan_shared shared{opt};
  shared.endpoint = tcp::endpoint{asio::ip::make_address(opt.host), opt.port};
  shared.request = d.subscribe_request();
  shared.expected_status = d.expected_status();
  shared.ws = opt.transport == "ws";

  auto baseline = d.server_subscribers().value_or(0);
  auto before = sample_processes(opt.server_pids);

  std::vector<std::unique_ptr<fan_worker>> workers;
  for (std::size_t i = 0; i < opt.threads; ++i) {
    workers.push_back(std::make_unique<fan_worker>(shared));
    auto& w = *workers.back();
    w.limit = std::max<std::size_t>(1, opt.concurrency / opt.threads);
  }
  for (std::size_t i = 0; i < opt.subscribers; ++i) {
    auto& w = *workers[i % workers.size()];
    w.subs.push_back(
        std::make_unique<fan_sub>(w, w.ioc, opt.events, opt.read_buffer));
  }
  for (auto& w : workers)
    w->latencies.reserve(w->subs.size() * opt.events);

  // Connect everyone, bounded concurrency, bounded time.
  auto t_connect = now_ns();
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
      guards;
  for (auto& w : workers) {
    guards.emplace_back(w->ioc.get_executor());
    asio::post(w->ioc, [wp = w.get()] { wp->launch(); });
    w->thread = std::thread{[wp = w.get()] { wp->ioc.run(); }};
  }
  auto connect_deadline =
      std::min(run_deadline, deadline_after(opt.connect_timeout));
  while (shared.ready + shared.failed < opt.subscribers &&
         clock::now() < connect_deadline)
    sleep_ms(5);
  // Wait until the server counts them all (jobcast: subscriber actors;
  // nchan: stub status subscribers).
  std::int64_t server_seen = -1;
  while (clock::now() < connect_deadline) {
    auto n = d.server_subscribers();
    if (n)
      server_seen = *n - baseline;
    if (n && server_seen >= static_cast<std::int64_t>(shared.ready.load()))
      break;
    sleep_ms(50);
  }
  auto connect_seconds = seconds_since(t_connect);
  std::this_thread::sleep_for(
      std::chrono::milliseconds(static_cast<std::int64_t>(opt.settle * 1000)));
  auto connected = sample_processes(opt.server_pids);
  auto connected_count = shared.ready.load();

  // Publish: one request in flight, paced or flat out.
  http_client publisher{opt.host, opt.port, 10};
  std::vector<std::int64_t> publish_lat;
  std::size_t published = 0;
  std::size_t publish_errors = 0;
  std::map<std::string, std::size_t> publish_error_kinds;
  auto self_cpu0 = self_cpu_seconds();
  auto t_first = now_ns();
  for (std::size_t i = 0; i < opt.events && clock::now() < run_deadline; ++i) {
    if (opt.rate > 0) {
      auto due = t_first + static_cast<std::int64_t>(static_cast<double>(i) *
                                                     1e9 / opt.rate);
      auto wait = due - now_ns();
      if (wait > 0)
        std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    auto t = now_ns();
    auto res =
        d.publish(publisher, event_text(i, opt.event_bytes),
                  static_cast<double>(i + 1) / static_cast<double>(opt.events));
    publish_lat.push_back(now_ns() - t);
    if (res.status >= 200 && res.status < 300) {
      ++published;
    } else {
      ++publish_errors;
      ++publish_error_kinds[res.status ? "publish: status " +
                                             std::to_string(res.status)
                                       : "publish: " + res.error];
    }
  }
  auto t_last_publish = now_ns();
  auto publish_seconds = static_cast<double>(t_last_publish - t_first) / 1e9;

  // Drain: until every connected subscriber has every event, or time's up.
  auto drain_deadline = std::min(run_deadline, deadline_after(opt.drain));
  while (shared.complete < connected_count && clock::now() < drain_deadline)
    sleep_ms(2);
  auto drained_complete = shared.complete.load();
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

  for (auto& g : guards)
    g.reset();
  for (auto& w : workers)
    w->ioc.stop();
  for (auto& w : workers)
    w->thread.join();

  // Merge.
  std::vector<std::int64_t> lat;
  std::size_t seen = 0, dups = 0, ooo = 0, out_of_range = 0;
  std::size_t incomplete = 0;
  std::int64_t last_delivery = 0;
  std::map<std::string, std::size_t> errors = publish_error_kinds;
  for (auto& w : workers) {
    lat.insert(lat.end(), w->latencies.begin(), w->latencies.end());
    last_delivery = std::max(last_delivery, w->last_delivery);
    out_of_range += w->out_of_range;
    for (auto& [what, n] : w->errors)
      errors[what] += n;
    for (auto& s : w->subs) {
      if (s->phase < 2)
        continue;
      seen += s->count;
      dups += s->dups;
      ooo += s->ooo;
      if (!s->complete)
        ++incomplete;
    }
  }
  std::sort(lat.begin(), lat.end());
  auto expected = connected_count * opt.events;
  auto ms = [](double ns) { return ns / 1e6; };
  double delivery_window =
      last_delivery > t_first
          ? static_cast<double>(last_delivery - t_first) / 1e9
          : 0;

  add_common(line, opt, d.id());
  line.add("subscribers", opt.subscribers)
      .add("events", opt.events)
      .add("rate", opt.rate)
      .add("event_bytes", opt.event_bytes)
      .add("fd_limit", static_cast<std::int64_t>(fd_limit))
      .add("subscribers_connected", connected_count)
      .add("connect_failures", shared.failed.load())
      .add("server_subscribers_seen", server_seen)
      .add("connect_seconds", connect_seconds)
      .add("events_published", published)
      .add("publish_errors", publish_errors)
      .add("publish_seconds", publish_seconds)
      .add("deliveries_expected", expected)
      .add("deliveries_seen", seen)
      .add("missing", expected - std::min(expected, seen))
      .add("duplicated", dups)
      .add("out_of_order", ooo)
      .add("markers_out_of_range", out_of_range)
      .add("subscribers_complete", drained_complete)
      .add("subscribers_incomplete", incomplete)
      .add("early_disconnects", shared.early_end.load())
      .add("finish_status", fin.status)
      .add("streams_ended_after_finish", ended_after_finish)
      .add("delivery_seconds", delivery_window)
      .add("deliveries_per_second",
           delivery_window > 0 ? static_cast<double>(seen) / delivery_window
                               : 0.0)
      .add("latency_p50_ms", ms(percentile(lat, 50)))
      .add("latency_p90_ms", ms(percentile(lat, 90)))
      .add("latency_p99_ms", ms(percentile(lat, 99)))
      .add("latency_max_ms",
           ms(lat.empty() ? 0 : static_cast<double>(lat.back())));
  std::sort(publish_lat.begin(), publish_lat.end());
  line.add("publish_p50_ms", ms(percentile(publish_lat, 50)))
      .add("publish_max_ms",
           ms(publish_lat.empty() ? 0
                                  : static_cast<double>(publish_lat.back())));
  if (before.ok && after.ok && connected.ok) {
    auto cpu_publish = after.cpu_seconds - connected.cpu_seconds;
    line.add("server_cpu_seconds", after.cpu_seconds - before.cpu_seconds)
        .add("server_cpu_connect_seconds",
             connected.cpu_seconds - before.cpu_seconds)
        .add("server_cpu_publish_seconds", cpu_publish)
        .add("server_cpu_us_per_delivery",
             seen ? cpu_publish * 1e6 / static_cast<double>(seen) : 0.0)
        .add("server_rss_before_kb", before.rss_kb)
        .add("server_rss_connected_kb", connected.rss_kb)
        .add("server_rss_after_kb", after.rss_kb)
        .add("server_hwm_kb", after.hwm_kb)
        .add("rss_per_subscriber_kb",
             connected_count
                 ? static_cast<double>(connected.rss_kb - before.rss_kb) /
                       static_cast<double>(connected_count)
                 : 0.0);
  } else {
    line.add_null("server_cpu_seconds");
  }
  line.add("loadgen_cpu_publish_seconds", self_cpu1 - self_cpu0);
  std::string g = "{";
  for (auto& [name, v] : gauges) {
    if (g.size() > 1)
      g += ',';
    g += json_quote(name) + ':' + json_number(v);
  }
  line.add_raw("server_gauges_after", g + "}");
  line.add_raw("errors", errors_json(errors));
  emit(opt, line,
       "fan-out " + opt.server + " " + opt.transport +
           " N=" + std::to_string(opt.subscribers) +
           " M=" + std::to_string(opt.events) + " rate=" +
           (opt.rate > 0 ? json_number(opt.rate) + "/s" : "flat-out"));
  // Sockets close as the workers go away.
  workers.clear();
  return 0;
}

// -- churn -------------------------------------------------------------------

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
  auto opt_int = [&](const char* key, const std::optional<std::int64_t>& v) {
    if (v)
      line.add(key, *v);
    else
      line.add_null(key);
  };
  opt_int("server_subscribers_before", baseline);
  opt_int("server_subscribers_immediately_after", immediately);
  opt_int("server_subscribers_after", settled);
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
  std::string g = "{";
  for (auto& [name, v] : gauges) {
    if (g.size() > 1)
      g += ',';
    g += json_quote(name) + ':' + json_number(v);
  }
  line.add_raw("server_gauges_after", g + "}");
  line.add_raw("errors", errors_json(errors));
  emit(opt, line,
       "churn " + opt.server + " " + opt.transport +
           " K=" + std::to_string(opt.cycles));
  return 0;
}

// -- small modes
// ---------------------------------------------------------------

int run_free_port() {
  asio::io_context ioc;
  tcp::acceptor acc{ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
  std::cout << acc.local_endpoint().port() << std::endl;
  return 0;
}

/// Creates a job/channel, publishes one event, and says what came back.
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

} // namespace

void note_start_load() {
  load_at_start = load_average();
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
    if (opt.mode == "fanout")
      return bench::run_fanout(opt);
    if (opt.mode == "churn")
      return bench::run_churn(opt);
    if (opt.mode == "probe")
      return bench::run_probe(opt);
    std::cerr << "jobcast_loadgen: unknown --mode=" << opt.mode << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "jobcast_loadgen: " << e.what() << '\n';
    return 1;
  }
}
