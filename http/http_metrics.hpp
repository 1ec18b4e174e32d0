#pragma once

// The front end's process-wide counters, for /metrics and for tests that
// check nothing leaks. The actors' own are in actors/metrics.hpp; streams
// open are counted by each framing.

#include <array>
#include <atomic>
#include <cstdint>

namespace jobcast {

struct http_metrics {
  /// TCP connections open.
  std::atomic<std::int64_t> connections{0};
  /// Bytes queued for streaming connections and not yet written.
  std::atomic<std::int64_t> queued_bytes{0};
  /// Streams ended for falling too far behind.
  std::atomic<std::uint64_t> slow_disconnects{0};
  /// Streams closed because their socket took nothing for the write timeout.
  std::atomic<std::uint64_t> write_timeouts{0};
  /// Requests and connections refused with 429, by `client_limit`.
  std::array<std::atomic<std::uint64_t>, 2> limited{};
  /// HTTP responses by status class: 1xx .. 5xx.
  std::array<std::atomic<std::uint64_t>, 6> responses{};
};

/// The process's front-end counters.
http_metrics& http_counters();

} // namespace jobcast
