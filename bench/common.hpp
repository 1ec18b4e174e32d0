#pragma once

// Shared pieces of the load generator: flags, clocks, /proc readings, a
// small blocking HTTP client with a deadline, and the two servers' dialects.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// Nanoseconds on the steady clock (CLOCK_MONOTONIC on Linux): the same
/// clock for the publisher's send stamp and every subscriber's read stamp.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double seconds_since(std::int64_t t0) {
  return static_cast<double>(now_ns() - t0) / 1e9;
}

struct options {
  std::string mode = "fanout";    // fanout | churn | replay | manyjobs | idle |
                                  // burst | report | free-port | probe
  std::string server = "jobcast"; // jobcast | nchan
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string transport = "chunked"; // chunked | sse | ws
  std::size_t subscribers = 1000;
  std::size_t events = 200;
  double rate = 0;               // events per second; 0: flat out
  std::size_t event_bytes = 100; // length of each event's text
  std::vector<int> server_pids;  // summed for CPU and memory
  double timeout = 300;          // seconds for the whole run
  double connect_timeout = 120;  // seconds to get every subscriber in
  double drain = 10;   // seconds after the last publish to wait for deliveries
  double settle = 0.5; // seconds to wait once everyone is subscribed
  double end_wait = 5; // seconds to wait for streams to end after finish
  std::size_t concurrency = 200;  // connection attempts in flight
  std::size_t threads = 1;        // io_context threads for subscribers
  std::size_t read_buffer = 4096; // bytes per subscriber read
  std::size_t cycles = 2000;      // churn: subscribe/read/disconnect cycles
  std::size_t prefill = 5;        // churn: events published before the churn
  std::size_t warmup = 2000;      // churn: cycles before "before" is measured
  double cycle_timeout = 10;      // churn: seconds one cycle may take
  double zero_wait = 15; // churn: seconds to wait for subscribers to reach 0
  std::string channel;   // nchan channel id (default: made up)
  std::string label;     // copied into the JSON line
  std::string json_out;  // append the JSON line to this file too
  std::vector<std::string> inputs; // report: JSON-lines files
  std::string markdown_out;        // report: write the markdown here too
  std::string kind = "external";   // jobcast job kind to create
  std::string name; // "server" in the JSON line (default: --server)
  std::string pair_a = "jobcast"; // report: the two servers side by side,
  std::string pair_b = "nchan";   //   ratios are a/b
  std::size_t jobs = 1000;        // manyjobs, idle: jobs (nchan: channels)
  std::size_t viewers = 10;       // manyjobs, idle: viewers of each job
  double job_rate = 5;            // manyjobs: events/s of each job
  double duration = 30;           // manyjobs: seconds of publishing
  std::size_t publishers = 50;    // manyjobs: publisher connections
  double hold = 30;               // idle: seconds the viewers stay quiet
  double heartbeat = 0;      // idle: the servers' heartbeat interval (s), noted
  std::size_t in_flight = 1; // burst: publisher connections at once
  std::size_t lines = 1;     // burst: events (lines) per request
};

/// Parses --key=value flags; exits with a message on a bad one.
options parse_options(int argc, char** argv);

/// CPU seconds (utime + stime) and memory of a set of processes.
struct proc_sample {
  double cpu_seconds = 0;       // utime + stime, in clock ticks (10 ms)
  double sched_cpu_seconds = 0; // the same from schedstat, to the ns, over
                                // the threads alive at the sample
  std::int64_t rss_kb = 0;
  std::int64_t hwm_kb = 0;
  bool ok = false;
};
proc_sample sample_processes(const std::vector<int>& pids);

/// The 1-minute load average (/proc/loadavg), -1 if unreadable: shows
/// whether something else competed for the cores during a run.
double load_average();

/// This process's own CPU seconds (user + system).
double self_cpu_seconds();

/// Raises RLIMIT_NOFILE's soft limit to the hard one; returns the new soft.
std::uint64_t raise_fd_limit();

/// The open-file limit of a process (its /proc/<pid>/limits), 0 if unknown.
std::uint64_t fd_limit_of(int pid);

struct http_result {
  int status = 0; // 0: no response
  std::string body;
  std::string error; // set when status is 0
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// A request to send: what the dialect says, what a client puts on the wire.
struct outgoing {
  http::verb verb = http::verb::get;
  std::string target;
  std::string body;
  header_list headers;
};

/// The HTTP/1.1 request for `out`, with Host and User-Agent, the body's
/// length set.
http::request<http::string_body>
make_request(const std::string& host, std::uint16_t port, const outgoing& out);

/// A keep-alive HTTP/1.1 client, one request in flight, every request bounded
/// by a deadline. Reconnects once when the connection went away.
class http_client {
public:
  http_client(std::string host, std::uint16_t port, double timeout_s);
  http_result request(http::verb verb, const std::string& target,
                      const std::string& body = {},
                      const header_list& headers = {});

private:
  http_result attempt(http::verb verb, const std::string& target,
                      const std::string& body, const header_list& headers);
  std::string host_;
  std::uint16_t port_;
  double timeout_s_;
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

/// One request on its own connection.
http_result http_once(const std::string& host, std::uint16_t port,
                      http::verb verb, const std::string& target,
                      const std::string& body = {},
                      const header_list& headers = {}, double timeout_s = 10);

/// One job (jobcast: its id and publish token) or channel (nchan: its id).
struct job_ref {
  std::string id;
  std::string token;
};

/// How to talk to one server: where to publish, subscribe and count. The
/// single-job modes use the dialect's own job (`create()`); the many-job
/// ones hold job_refs of their own.
class dialect {
public:
  explicit dialect(const options& opt);

  /// Creates the job (jobcast) or picks the channel (nchan). Returns an
  /// error message, empty on success.
  std::string create(http_client& client);
  /// The same for job number `index` of many, into `job`.
  std::string create(http_client& client, job_ref& job,
                     std::size_t index) const;
  /// Publishes one event text; returns the HTTP status (0: no response).
  http_result publish(http_client& client, const std::string& text,
                      double progress);
  /// The request that publishes `texts` to `job`: one text as one event
  /// (jobcast: JSON, with `progress` if >= 0); several as a text/plain body
  /// of one line each, which jobcast takes as as many events and nchan as one
  /// message of that many lines.
  outgoing publish_request(const job_ref& job,
                           const std::vector<std::string>& texts,
                           double progress) const;
  /// Ends the job / deletes the channel, which ends every stream.
  http_result finish(http_client& client);
  /// The request a subscriber sends (a complete HTTP/1.1 request).
  std::string subscribe_request() const { return subscribe_request(own_); }
  std::string subscribe_request(const job_ref& job) const;
  /// The status a subscriber expects (200, or 101 for WebSocket).
  int expected_status() const;
  /// Subscribers the server reports (jobcast_subscriber_actors or nchan's
  /// stub status "subscribers"); nullopt if it could not be read.
  std::optional<std::int64_t> server_subscribers() const;
  /// Events the job has recorded (jobcast: `events` of GET /api/jobs/<id>,
  /// end included; what it still keeps shows only in a complete replay) or
  /// messages the server stores (nchan's stub status).
  std::optional<std::int64_t> history_length(http_client& client) const;
  /// Every gauge the server reports, for the JSON line.
  std::map<std::string, double> server_gauges() const;
  /// Events the server counts for a request of `lines` lines (nchan: one
  /// message, whatever its lines).
  std::size_t events_per_request(std::size_t lines) const {
    return opt_.server == "nchan" ? 1 : lines;
  }

  std::string id() const { return own_.id; }
  const job_ref& job() const { return own_; }

private:
  const options& opt_;
  job_ref own_;
};

/// Percentile (0..100) of an ascending vector; 0 for an empty one.
double percentile(const std::vector<std::int64_t>& sorted, double p);

/// Builds one JSON object, keys in the order they are added.
class json_line {
public:
  json_line& add(const std::string& key, double value);
  json_line& add(const std::string& key, std::int64_t value);
  json_line& add(const std::string& key, std::size_t value) {
    return add(key, static_cast<std::int64_t>(value));
  }
  json_line& add(const std::string& key, int value) {
    return add(key, static_cast<std::int64_t>(value));
  }
  json_line& add(const std::string& key, const std::string& value);
  json_line& add(const std::string& key, const char* value) {
    return add(key, std::string{value});
  }
  json_line& add_null(const std::string& key);
  json_line& add_raw(const std::string& key, const std::string& json);
  std::string str() const { return "{" + body_ + "}"; }
  /// key/value pairs as text, for the readable table.
  const std::vector<std::pair<std::string, std::string>>& rows() const {
    return rows_;
  }

private:
  void put(const std::string& key, const std::string& json,
           const std::string& readable);
  std::string body_;
  std::vector<std::pair<std::string, std::string>> rows_;
};

/// A JSON string literal for `text`.
std::string json_quote(const std::string& text);

/// Minimal JSON number text: finite with up to 6 significant digits, or
/// null.
std::string json_number(double value);

} // namespace bench
