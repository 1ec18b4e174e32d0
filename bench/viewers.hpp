#pragma once

// The viewers of every streaming mode (fan-out, replay, many jobs, idle,
// burst): connections that subscribe to one job each, scan their raw bytes
// for the markers `B:<seq>:<send_ns>;` and check every one: missing,
// duplicated, out of order, another job's. Spread over --threads io_context
// threads, at most --concurrency connection attempts in flight.

#include "common.hpp"
#include "wire.hpp"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace bench {

/// What the viewers of one run share: what to send, what to expect, and the
/// counters the main thread waits on.
struct viewer_shared {
  /// Viewer i follows job i % jobs.size(); job j's markers are
  /// j * events .. j * events + events - 1 (one job: 0 .. events - 1).
  viewer_shared(const options& o, const dialect& d,
                const std::vector<job_ref>& jobs, std::size_t events);
  const options& opt;
  tcp::endpoint endpoint;
  std::vector<std::string> requests; // one per job
  std::size_t events = 0;            // markers per job
  // Markers per publisher lane: order is checked within a lane, since
  // requests on different connections may overtake each other. 0: one lane.
  std::size_t lane = 0;
  int expected_status = 200;
  bool ws = false;
  // Counted in every stream when not empty (idle: the SSE heartbeat
  // comment; WebSocket pings are counted too).
  std::string beat;
  std::atomic<std::size_t> ready{0};
  std::atomic<std::size_t> failed{0};
  std::atomic<std::size_t> complete{0};
  std::atomic<std::size_t> ended{0};
  std::atomic<std::size_t> early_end{0};
  std::atomic<bool> finish_sent{false};
  // Replay: a viewer is done once it has every event and the end: the
  // stream's end (jobcast ends it after the job's end event) or, for nchan,
  // a last message with marker seq == events.
  bool replay = false;
  bool end_on_close = false;
  std::atomic<std::size_t> done{0};
};

struct viewer_worker;

struct viewer {
  viewer(viewer_worker& w, asio::io_context& ioc, const viewer_shared& shared,
         std::size_t job);
  viewer_worker& worker;
  tcp::socket sock;
  std::size_t job = 0;
  std::uint64_t base = 0; // the job's first marker
  std::unique_ptr<char[]> buf;
  std::string head;
  int phase = 0; // 0 waiting, 1 handshake, 2 streaming, 3 ended, 4 failed
  marker_scanner scanner;
  ws_reader ws;
  text_counter beats;
  std::vector<std::uint8_t> seen;
  std::vector<std::int64_t> lane_max; // the highest marker seen per lane
  std::uint32_t count = 0;
  std::uint32_t dups = 0;
  std::uint32_t ooo = 0;
  bool complete = false;
  bool writing = false;
  std::string out;
  std::int64_t t_start = 0;       // connect started
  std::int64_t t_first_event = 0; // first marker read
  std::int64_t t_done = 0;        // replay: every event and the end read
  std::int64_t t_first_beat = 0;  // first and last heartbeat read
  std::int64_t t_last_beat = 0;
  bool got_end = false;
  bool done = false;
};

struct viewer_worker {
  explicit viewer_worker(viewer_shared& s)
      : shared(s) {}
  viewer_shared& shared;
  asio::io_context ioc{1};
  std::vector<std::unique_ptr<viewer>> subs;
  std::size_t next = 0;
  std::size_t in_flight = 0;
  std::size_t limit = 1;
  std::vector<std::int64_t> latencies;
  std::int64_t last_delivery = 0;
  std::size_t out_of_range = 0; // markers of no job this viewer follows
  std::map<std::string, std::size_t> errors;
  std::thread thread;

  void launch();
  void start(viewer* s);
  void fail(viewer* s, const std::string& why);
  void read(viewer* s);
  void on_read(viewer* s, boost::system::error_code ec, std::size_t n);
  void body(viewer* s, const char* data, std::size_t n, std::int64_t t);
  /// Replay: counts a viewer done once it has every event and the end.
  void finished(viewer* s, std::int64_t t);
  /// Notes heartbeats read at `t`: `n` more (the text counter has counted
  /// its own already).
  void beat(viewer* s, std::size_t n, std::int64_t t);
  /// One write at a time; a control reply that finds one in flight is
  /// dropped (pings are rare).
  void send(viewer* s, std::string bytes);
};

/// Every viewer of a run.
struct viewer_pool {
  std::vector<std::unique_ptr<viewer_worker>> workers;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
      guards;

  /// `count` viewers, viewer i on job i % jobs.
  viewer_pool(viewer_shared& shared, const options& opt, std::size_t count);
  /// Starts connecting everyone.
  void start();
  void stop();

  /// start(), then waits until every viewer got its response header or
  /// failed and the server counts them all (beyond `baseline`), within
  /// `deadline`.
  struct connected {
    std::int64_t server_seen = -1; // what the server counted
    double seconds = 0;
  };
  connected connect_all(const dialect& d, std::int64_t baseline,
                        std::chrono::steady_clock::time_point deadline);

  struct tally {
    std::size_t connected = 0, seen = 0, dups = 0, ooo = 0, out_of_range = 0,
                incomplete = 0;
    std::map<std::string, std::size_t> errors;
  };
  /// After stop(): the viewers' counts and errors summed (on top of
  /// `errors`); `each` sees every viewer that got its response header.
  template <class Each>
  tally sum(std::map<std::string, std::size_t> errors, Each&& each) const {
    tally t;
    t.errors = std::move(errors);
    for (auto& w : workers) {
      t.out_of_range += w->out_of_range;
      for (auto& [what, n] : w->errors)
        t.errors[what] += n;
      for (auto& s : w->subs) {
        if (s->phase < 2)
          continue;
        ++t.connected;
        t.seen += s->count;
        t.dups += s->dups;
        t.ooo += s->ooo;
        if (!s->complete)
          ++t.incomplete;
        each(*s);
      }
    }
    return t;
  }
  /// Heartbeats read so far by every viewer, counted on the viewers' own
  /// threads (while they run).
  std::size_t heartbeats();
  /// After stop(): every delivery's latency (read − send), ascending, and
  /// the last delivery's read time.
  std::vector<std::int64_t> latencies(std::int64_t& last_delivery) const;
};

/// Every live mode's start: the server's subscriber count and memory before,
/// everyone connected and counted by the server, --settle, memory and CPU
/// again.
struct audience {
  std::int64_t baseline = 0;     // subscribers the server counted before
  proc_sample before;            // before connecting
  proc_sample connected;         // after everyone is in and --settle
  std::size_t count = 0;         // viewers whose response header came
  std::int64_t server_seen = -1; // what the server counted (beyond baseline)
  double connect_seconds = 0;
};
audience gather(viewer_pool& pool, const dialect& d, const options& opt,
                std::chrono::steady_clock::time_point run_deadline);

/// Waits until `count` viewers have every event or --drain has passed;
/// returns how many have.
std::size_t drain(const viewer_shared& shared, std::size_t count,
                  const options& opt,
                  std::chrono::steady_clock::time_point run_deadline);

/// A live run's end (many jobs, burst): drain, the samples after it, the
/// viewers stopped and summed (on top of `errors`).
struct outcome {
  std::size_t complete = 0; // viewers with every event
  proc_sample after;
  double self_cpu = 0; // the load generator's CPU seconds so far
  std::map<std::string, double> gauges;
  std::vector<std::int64_t> latencies; // ascending
  std::int64_t last_delivery = 0;
  viewer_pool::tally tally;
};
outcome conclude(viewer_pool& pool, const dialect& d, const options& opt,
                 const audience& in,
                 std::chrono::steady_clock::time_point run_deadline,
                 std::map<std::string, std::size_t> errors);

/// subscribers_connected, connect_failures, server_subscribers_seen,
/// connect_seconds.
void add_audience(json_line& line, const audience& in,
                  const viewer_shared& shared);
/// subscribers_complete, subscribers_incomplete, early_disconnects.
void add_completion(json_line& line, std::size_t complete,
                    const viewer_pool::tally& t, const viewer_shared& shared);

/// The server's memory around a live run: RSS before, connected, after, the
/// peak (VmHWM), and (connected − before) per viewer.
void add_rss_figures(json_line& line, const audience& a,
                     const proc_sample& after);

/// The delivery counts of a live run (fan-out, many jobs, burst) out of
/// `expected`: seen, missing, duplicated, out of order, another job's.
void add_delivery_counts(json_line& line, const viewer_pool::tally& t,
                         std::size_t expected);
/// The delivery rate from `t_first` (the first publish) to the last
/// delivery, and the latency percentiles.
void add_delivery_timing(json_line& line, std::size_t seen,
                         const std::vector<std::int64_t>& sorted_latencies,
                         std::int64_t t_first, std::int64_t last_delivery);

} // namespace bench
