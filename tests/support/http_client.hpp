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

} // namespace jobcast::test
