#pragma once

// One TCP connection to Redis, for the client classes of redis/ only: it
// connects, writes bytes, and hands each whole reply to its owner. It never
// reconnects and has no timers; its owner (connection, subscriber) decides
// when it has waited long enough, and opens a new link.

#include "redis/reply_reader.hpp"
#include "redis/url.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace jobcast::redis {

class link : public std::enable_shared_from_this<link> {
public:
  using clock = std::chrono::steady_clock;

  /// Never called after `close()`; the owner outlives its open links.
  struct handlers {
    /// The TCP connection is open; nothing was sent yet.
    std::function<void()> connected;
    /// One whole reply, in the order Redis sent them.
    std::function<void(reply)> received;
    /// The link is finished: it could not connect, the peer closed it, a
    /// read or write failed, or the bytes were not RESP
    /// (`errc::protocol_error`); `detail` says which.
    std::function<void(std::error_code, std::string detail)> failed;
  };

  link(boost::asio::io_context& ioc, handlers h);
  ~link();

  /// Resolves and connects to `address`.
  void open(const url& address);

  /// Queues `bytes` (whole commands) and writes them as soon as the socket
  /// takes them; what queues while a write is under way leaves in the next
  /// one, so pipelined commands share writes.
  void write(std::string_view bytes);

  /// Stops everything under way; no handler is called again.
  void close();

  /// When bytes last came from Redis (or the connection opened): a request
  /// sent after that and still unanswered at its deadline means the
  /// connection is dead, not just busy.
  clock::time_point last_read() const { return last_read_; }

private:
  void fail(std::error_code ec, std::string detail);
  void read();
  void flush();

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  handlers handlers_;
  reply_reader reader_;
  std::array<char, 16 * 1024> buffer_;
  std::string pending_;
  std::string writing_;
  bool connected_ = false;
  bool closed_ = false;
  clock::time_point last_read_{};
};

} // namespace jobcast::redis
