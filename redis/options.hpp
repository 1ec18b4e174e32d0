#pragma once

// What a Redis connection or subscriber needs to know, and what it tells its
// owner about its health.

#include "redis/url.hpp"

#include <chrono>
#include <functional>
#include <string_view>
#include <system_error>

namespace jobcast::redis {

struct options {
  url address;
  /// The bound on every wait for Redis: each request's answer (from the
  /// call), a connection attempt with its handshake, a subscription's
  /// confirmation, a keep-alive PING. The HTTP front end answers 503 within
  /// 2 s when Redis does not: this stays below that.
  std::chrono::milliseconds timeout{1500};
  /// Reconnection: capped exponential backoff between failed attempts.
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{2000};
  /// A subscriber that has heard nothing for this long sends PING, so that
  /// a connection that died silently (a half-open socket, a paused Redis)
  /// is noticed within `ping_interval + timeout`, not at the next publish.
  std::chrono::milliseconds ping_interval{3000};
};

/// What a connection or subscriber tells its owner when it goes up or down
/// (to log it, count it, and answer /healthz). Called on transitions only:
/// not again for each failed attempt while Redis stays away.
struct health_handlers {
  /// Connected, the handshake done (and, for a subscriber, every
  /// subscription in place again).
  std::function<void()> up;
  /// Lost, or the first attempt failed: why, in words (an error reply, a
  /// socket error's message, a timeout).
  std::function<void(std::error_code, std::string_view detail)> down;
};

} // namespace jobcast::redis
