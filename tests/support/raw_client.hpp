#pragma once

// A raw TCP connection for tests: send what you like, read what comes. For
// the requests a well-behaved client would never send, and for clients that
// stall, reset or vanish.

#include <chrono>
#include <cstdint>
#include <string>

namespace jobcast::test {

class raw_client {
public:
  /// Connects to 127.0.0.1:`port`; `rcvbuf` > 0 sets a small receive buffer
  /// first, so that the window is small from the start.
  explicit raw_client(std::uint16_t port, int rcvbuf = 0);
  /// Connects from the local address `from` to `to`:`port`, IPv4 or IPv6
  /// (`127.0.0.2` to `127.0.0.1`, `::1` to `::1`): a client at another
  /// address.
  raw_client(const std::string& from, const std::string& to,
             std::uint16_t port);
  raw_client(raw_client&& other) noexcept;
  raw_client& operator=(raw_client&&) = delete;
  ~raw_client();

  bool ok() const { return fd_ >= 0; }

  void send(const std::string& text);

  /// Reads until `marker` shows up (everything if empty), the peer closes,
  /// or `timeout` passes; returns what came.
  std::string
  read_until(const std::string& marker,
             std::chrono::milliseconds timeout = std::chrono::seconds{5});

  /// Closes with a reset instead of a FIN.
  void reset();

private:
  int fd_ = -1;
};

} // namespace jobcast::test
