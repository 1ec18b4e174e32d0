#pragma once

// Turns the bytes Redis sends into replies, with hiredis's reader (its RESP
// parser): bytes go in as they arrive, whole replies come out in order.

#include "redis/reply.hpp"

#include <cstddef>
#include <optional>
#include <string>

struct redisReader;

namespace jobcast::redis {

class reply_reader {
public:
  reply_reader();
  ~reply_reader();

  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;

  /// Hands over bytes as read from the socket.
  void feed(const char* data, std::size_t size);

  /// The next whole reply, if its last byte has arrived. After a protocol
  /// error, nothing more (see `failed`).
  std::optional<reply> next();

  /// The bytes were not RESP: the connection has to go.
  bool failed() const { return !error_.empty(); }

  /// hiredis's words for the protocol error.
  const std::string& error() const { return error_; }

private:
  redisReader* reader_;
  std::string error_;
};

} // namespace jobcast::redis
