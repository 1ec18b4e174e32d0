#pragma once

// Process-wide counters for /metrics and for tests that check nothing leaks.
// Only counters live here: every piece of real state belongs to an actor.

#include <atomic>
#include <cstdint>

namespace jobcast {

struct metrics {
  /// Subscriber actors alive.
  std::atomic<std::int64_t> subscribers{0};
  /// Jobs started since the process started.
  std::atomic<std::uint64_t> jobs_started{0};
  /// Events published by all jobs.
  std::atomic<std::uint64_t> events_published{0};
  /// Events handed to connections (one per event and subscriber).
  std::atomic<std::uint64_t> events_delivered{0};
  /// Bytes the jobs' histories count against --limits.history-bytes (see
  /// history_budget::cost). Each job adds and subtracts its own; the budget
  /// decisions are the registry's, from the sizes jobs report to it.
  std::atomic<std::int64_t> history_bytes{0};
  /// Finished jobs forgotten early to stay within --limits.history-bytes.
  std::atomic<std::uint64_t> history_jobs_evicted{0};
  /// Events dropped from running jobs' histories for the same reason.
  std::atomic<std::uint64_t> history_events_evicted{0};
  /// Job starts refused because --limits.max-active-jobs were active.
  std::atomic<std::uint64_t> jobs_refused{0};
};

/// The process's counters.
metrics& global_metrics();

} // namespace jobcast
