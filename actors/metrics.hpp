#pragma once

// Process-wide counters for /metrics and for tests that check nothing leaks.
// Only counters live here: every piece of real state belongs to an actor.

#include "actors/event.hpp"

#include <array>
#include <atomic>
#include <cstdint>

namespace jobcast {

struct metrics {
  /// Subscriber actors alive.
  std::atomic<std::int64_t> subscribers{0};
  /// Streams open, by transport.
  std::array<std::atomic<std::int64_t>,
             static_cast<std::size_t>(transport::count_)>
      streams{};
  /// TCP connections open.
  std::atomic<std::int64_t> connections{0};
  /// Jobs started since the process started.
  std::atomic<std::uint64_t> jobs_started{0};
  /// Events published by all jobs.
  std::atomic<std::uint64_t> events_published{0};
  /// Events handed to connections (one per event and subscriber).
  std::atomic<std::uint64_t> events_delivered{0};
  /// Bytes queued for streaming connections and not yet written.
  std::atomic<std::int64_t> queued_bytes{0};
  /// Subscribers disconnected for falling too far behind.
  std::atomic<std::uint64_t> slow_disconnects{0};
  /// HTTP responses by status class: 1xx .. 5xx.
  std::array<std::atomic<std::uint64_t>, 6> responses{};
};

/// The process's counters.
metrics& global_metrics();

} // namespace jobcast
