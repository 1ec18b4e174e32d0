#pragma once

// Shared pieces of the load generator: flags, clocks, /proc readings, a
// small blocking HTTP client with a deadline, and the two servers' dialects.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
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
  std::string mode = "fanout";    // fanout | churn | report | free-port | probe
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
};

/// Parses --key=value flags; exits with a message on a bad one.
options parse_options(int argc, char** argv);

/// CPU seconds (utime + stime) and memory of a set of processes.
struct proc_sample {
  double cpu_seconds = 0;
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

struct http_result {
  int status = 0; // 0: no response
  std::string body;
  std::string error; // set when status is 0
};

using header_list = std::vector<std::pair<std::string, std::string>>;

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

/// How to talk to one server: where to publish, subscribe and count.
class dialect {
public:
  explicit dialect(const options& opt);

  /// Creates the job (jobcast) or picks the channel (nchan). Returns an
  /// error message, empty on success.
  std::string create(http_client& client);
  /// Publishes one event text; returns the HTTP status (0: no response).
  http_result publish(http_client& client, const std::string& text,
                      double progress);
  /// Ends the job / deletes the channel, which ends every stream.
  http_result finish(http_client& client);
  /// The request a subscriber sends (a complete HTTP/1.1 request).
  std::string subscribe_request() const;
  /// The status a subscriber expects (200, or 101 for WebSocket).
  int expected_status() const;
  /// Subscribers the server reports (jobcast_subscriber_actors or nchan's
  /// stub status "subscribers"); nullopt if it could not be read.
  std::optional<std::int64_t> server_subscribers() const;
  /// Every gauge the server reports, for the JSON line.
  std::map<std::string, double> server_gauges() const;

  std::string id() const { return id_; }

private:
  const options& opt_;
  std::string id_;
  std::string token_;
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
