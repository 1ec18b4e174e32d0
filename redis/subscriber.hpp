#pragma once

// A connection to Redis in pub/sub mode: SUBSCRIBE / PSUBSCRIBE and the
// messages that follow, handed to one handler.
//
// It keeps what its owner asked for (the channels and patterns), not just
// what Redis confirmed: after a reconnect it subscribes to all of them again
// and then says so (`resubscribed`), because what was published meanwhile
// never arrived. The owner fills that gap from history (in the cluster mode,
// each job's stream).
//
// Health works as in `connection` (connection.hpp): every `done` is called
// once, within the timeout; a subscriber that heard nothing for
// `ping_interval` sends PING, so a silent death is noticed; reconnection
// backs off; the same threading rules.

#include "redis/options.hpp"

#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace jobcast::redis {

/// One published message.
struct message {
  std::string channel;
  std::string payload;
  /// The pattern it matched, for a PSUBSCRIBE; else empty.
  std::string pattern;
};

class subscriber {
public:
  struct handlers {
    /// A message on a channel (or matching a pattern) subscribed to.
    std::function<void(message)> received;
    /// Reconnected: every channel and pattern is subscribed again, and what
    /// was published while the connection was down was missed.
    std::function<void()> resubscribed;
    /// Up (after the subscriptions are in place again) and down.
    health_handlers health;
  };

  /// Called once: Redis confirmed, or why not. After a failure the interest
  /// stays (until unsubscribed): the next reconnect subscribes again and
  /// says so through `resubscribed`.
  using done = std::function<void(std::error_code)>;

  /// Starts connecting to `opts.address` at once.
  subscriber(boost::asio::io_context& ioc, options opts, handlers h);
  /// Closes (see `close`).
  ~subscriber();

  subscriber(const subscriber&) = delete;
  subscriber& operator=(const subscriber&) = delete;

  void subscribe(std::string channel, done cb = {});
  void unsubscribe(std::string channel, done cb = {});
  void psubscribe(std::string pattern, done cb = {});
  void punsubscribe(std::string pattern, done cb = {});

  /// Fails what waits for confirmation with `errc::closed` and stops for
  /// good.
  void close();

  /// Connected, and every subscription confirmed since.
  bool up() const;

  /// Connection attempts that failed, and connections that broke.
  std::uint64_t failures() const;

private:
  class impl;
  std::shared_ptr<impl> impl_;
};

} // namespace jobcast::redis
