#pragma once

// How many jobs one client may start (`--limits.starts-per-minute`): a
// token bucket per client that holds `per_minute` starts and refills one
// every minute / `per_minute`, so a client may start that many at once
// after a quiet minute, and that many a minute on average. Kept as the
// generic cell rate algorithm: one time per client (when its bucket is full
// again) instead of a count and a clock. Plain and single-threaded; the
// caller locks (http/client_limits.hpp).

#include "http/client_address.hpp"

#include <chrono>
#include <cstddef>
#include <list>
#include <unordered_map>

namespace jobcast {

class start_limiter {
public:
  using clock = std::chrono::steady_clock;

  /// `per_minute` > 0. At most `max_clients` clients are remembered (see
  /// `check`).
  start_limiter(std::size_t per_minute, std::size_t max_clients);

  /// Whether `client` may start a job at `now`: zero if it may (and, if
  /// `take`, the start is counted), else how long until it may. A client
  /// whose bucket is full again is forgotten: it is the same as a new one.
  /// When `max_clients` are remembered and none is full, a new client
  /// pushes out the one that was least recently seen: a flood of addresses
  /// costs a bounded table, and the worst it does is to refill one bucket
  /// early.
  clock::duration check(const client_key& client, clock::time_point now,
                        bool take);

  /// Clients remembered.
  std::size_t clients() const { return index_.size(); }

private:
  struct entry {
    client_key key;
    /// When the bucket is full again (GCRA's theoretical arrival time).
    clock::time_point full_at;
  };
  /// Forgets the least recently seen clients whose buckets are full.
  void forget_full(clock::time_point now);

  clock::duration interval_; ///< One start's worth of refill.
  clock::duration burst_;    ///< How far `full_at` may run ahead of now.
  std::size_t max_clients_;
  std::list<entry> recent_; ///< Most recently seen first.
  std::unordered_map<client_key, std::list<entry>::iterator, client_key_hash>
      index_;
};

} // namespace jobcast
