#pragma once

// How long a Redis client waits before its next connection attempt. Plain
// C++, owned by the connection: it decides, the connection's timer waits.

#include <chrono>
#include <cstdint>
#include <random>

namespace jobcast::redis {

/// Capped exponential backoff with jitter: the n-th delay in a row (from 0)
/// is at most `min(initial * 2^n, max)`, and at least `1 - jitter` of that.
/// The jitter spreads the nodes of a cluster that lost the same Redis at the
/// same moment, so they do not all knock again at the same moment.
class backoff {
public:
  using duration = std::chrono::milliseconds;

  /// `jitter` from 0 (exact delays) to 1; `seed` makes the jitter
  /// repeatable in tests.
  backoff(duration initial, duration max, double jitter = 0.5,
          std::uint32_t seed = std::random_device{}());

  /// The delay before the next attempt; the one after will be longer, up to
  /// the cap.
  duration next();

  /// An attempt succeeded: the next failure starts from `initial` again.
  void reset() { failures_ = 0; }

  /// Failed attempts in a row since the last reset.
  std::uint32_t failures() const { return failures_; }

  /// The longest delay `next` can return now (before jitter).
  duration ceiling() const;

private:
  duration initial_;
  duration max_;
  double jitter_;
  std::uint32_t failures_ = 0;
  std::minstd_rand random_;
};

} // namespace jobcast::redis
