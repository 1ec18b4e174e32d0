#pragma once

// A connection to Redis for commands (pub/sub has its own: subscriber.hpp).
// Requests are pipelined: each is written at once, many may be in flight,
// and replies are matched to callbacks in the order the requests were made.
//
// Health, as the cluster mode needs it (never hang, fail fast, heal):
//  - every callback is called exactly once, within `options::timeout` of
//    the request: with the reply, or with an `errc`;
//  - a request that Redis leaves unanswered that long, while nothing at all
//    came from Redis since it was sent, means the connection is dead (a
//    paused Redis, a vanished peer): it is dropped and every other pending
//    request fails with it, at once;
//  - a broken connection fails every pending request at once;
//  - the connection comes back by itself, with capped exponential backoff;
//    while it is known to be down, requests fail at once (`not_connected`)
//    instead of waiting for the timeout. Requests made before the first
//    attempt ended wait for it;
//  - each attempt ends with a handshake: SELECT the URL's database, load the
//    scripts used so far, PING; only then are requests written.
//
// Threads: everything runs on the io_context given, which one thread runs
// (as each of jobcast's HTTP threads runs its own): call it only from
// there. Callbacks are called from there too, never from inside a call of
// this class.
//
// No blocking commands (BLPOP, XREAD BLOCK, ...): they would hold up the
// replies behind them past their timeout.

#include "redis/command.hpp"
#include "redis/options.hpp"
#include "redis/reply.hpp"

#include <functional>
#include <memory>
#include <system_error>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace jobcast::redis {

class script;

class connection {
public:
  /// A reply (an `error` reply included) and no error code, or an error code
  /// and a nil reply.
  using callback = std::function<void(std::error_code, reply)>;

  /// Starts connecting to `opts.address` at once.
  connection(boost::asio::io_context& ioc, options opts,
             health_handlers health = {});
  /// Closes (see `close`).
  ~connection();

  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Sends one command: `args` is its name and arguments, binary-safe.
  void request(const command_args& args, callback cb);

  /// Runs `s` with EVALSHA, and with EVAL (which loads it) if Redis answers
  /// NOSCRIPT; both within the one timeout. The connection loads every
  /// script it has run again after each reconnect, so NOSCRIPT comes only
  /// after a SCRIPT FLUSH. Calls pipelined across such a flush may then run
  /// in another order than they were made: callers that need an order wait
  /// for each answer, or let the script decide it (as the publish script's
  /// sequence numbers do).
  void eval(const script& s, const command_args& keys, const command_args& args,
            callback cb);

  /// Fails every pending request with `errc::closed` and stops for good.
  void close();

  /// Connected, the handshake done.
  bool up() const;

  /// Connection attempts that failed, and connections that broke, since
  /// the start.
  std::uint64_t failures() const;

private:
  class impl;
  std::shared_ptr<impl> impl_;
};

} // namespace jobcast::redis
