#pragma once

// A blocking HTTP/1.1 client for tests: whole responses, and streams read
// chunk by chunk as they arrive. Every read has a timeout, so a test never
// hangs on a server that does not answer.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobcast::test {

using namespace std::chrono_literals;

struct response {
  unsigned status = 0;
  std::map<std::string, std::string> headers; ///< Lower-case names.
  std::string body;

  std::string header(const std::string& name) const;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

/// One request on a fresh connection (closed afterwards).
response request(std::uint16_t port, const std::string& method,
                 const std::string& target, const header_list& headers = {},
                 const std::string& body = {});

/// Sends `raw` bytes as they are and returns everything the server sends
/// until it closes or `timeout` passes.
std::string raw_exchange(std::uint16_t port, const std::string& raw,
                         std::chrono::milliseconds timeout = 5s);

/// Reads a value of the Prometheus text at /metrics, or -1.
double metric(std::uint16_t port, const std::string& name);

/// A keep-alive connection for several requests in a row.
class connection {
public:
  explicit connection(std::uint16_t port);
  ~connection();
  response send(const std::string& method, const std::string& target,
                const header_list& headers = {}, const std::string& body = {});
  /// Whether the server closed the connection (checked without blocking
  /// long).
  bool closed_by_peer(std::chrono::milliseconds wait = 2s);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A streaming GET: the header is read at once, then chunks one at a time.
class stream {
public:
  stream(std::uint16_t port, const std::string& target,
         const header_list& headers = {});
  ~stream();

  unsigned status() const;
  std::string header(const std::string& name) const;
  /// The body of a non-chunked response (an error answer).
  std::string body();

  /// The next chunk, or nullopt at the end of the body. Throws on timeout.
  std::optional<std::string> next_chunk(std::chrono::milliseconds timeout = 5s);

  /// Reads chunks until the end; returns them.
  std::vector<std::string> rest(std::chrono::milliseconds timeout = 5s);

  /// Closes the connection without reading further (a viewer going away).
  void abandon();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// One parsed Server-Sent Event.
struct sse_event {
  std::string id;
  std::string type; ///< The `event:` field.
  std::string data;

  /// The job's sequence number in `id` (`<epoch>-<seq>`); throws if `id`
  /// is not of that shape.
  std::uint64_t seq() const;
  /// The epoch part of `id`.
  std::string epoch() const;
};

/// Reads Server-Sent Events off a `stream`, one at a time.
class sse_reader {
public:
  explicit sse_reader(stream& s)
      : s_(s) {}

  /// The next event (comments and `retry:` are skipped, but `retry` is
  /// remembered), or nullopt at the end of the stream.
  std::optional<sse_event> next(std::chrono::milliseconds timeout = 5s);

  /// All events until the end of the stream.
  std::vector<sse_event> rest(std::chrono::milliseconds timeout = 5s);

  std::string retry;
  std::size_t comments = 0;

private:
  stream& s_;
  std::string pending_;
};

/// A blocking WebSocket client.
class ws_client {
public:
  /// Connects and performs the handshake; throws on a non-101 answer.
  ws_client(std::uint16_t port, const std::string& target);
  ~ws_client();

  /// The next text frame, or nullopt when the server closed (see
  /// `close_code`). Throws on timeout.
  std::optional<std::string> read(std::chrono::milliseconds timeout = 5s);

  void send_text(const std::string& text);
  void send_binary(const std::string& bytes);

  /// The code of the server's close frame, 0 if none arrived.
  int close_code() const;
  std::string close_reason() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The HTTP status a WebSocket upgrade of `target` is answered with, and
/// the body (for a refusal).
response ws_refusal(std::uint16_t port, const std::string& target);

} // namespace jobcast::test
