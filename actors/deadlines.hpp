#pragma once

// Every deadline the registry watches, with one timer for all of them.
// Plain C++, owned by the registry.

#include "actors/event.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jobcast {

/// At most one deadline per job (a finished job's end of retention, a
/// running external job's next idle check), and which delayed messages the
/// registry must have pending so that it wakes up for each of them.
///
/// The point is the second part: a delayed message cannot be taken back,
/// and one per job stays in CAF's timer (holding its receiver) until it is
/// due, long after the job is gone. So the registry keeps one message
/// pending for the earliest deadline and sends another only for a deadline
/// earlier than every pending one, which new deadlines rarely are (a new
/// retention or first idle check is always the latest).
class deadlines {
public:
  using clock = std::chrono::steady_clock;
  using time_point = clock::time_point;

  /// `max_pending` bounds the delayed messages in flight even for the
  /// rare pattern of ever earlier deadlines; past it a deadline waits for
  /// the earliest pending message, which then wakes the registry for it.
  explicit deadlines(std::size_t max_pending = 16);

  /// Sets (or moves) job `id`'s deadline.
  void set(job_id id, time_point due);

  /// Drops job `id`'s deadline, if it has one.
  void erase(job_id id);

  /// Takes out and returns the jobs whose deadline is `now` or earlier,
  /// earliest first.
  std::vector<job_id> take_due(time_point now);

  /// The earliest deadline.
  std::optional<time_point> earliest() const;

  /// Returns the time a new delayed message must be sent for (and counts it
  /// as pending), or nothing if a pending one wakes the registry in time.
  std::optional<time_point> arm();

  /// The earliest pending delayed message arrived (they arrive in order).
  void fired();

  std::size_t size() const { return due_.size(); }

  std::size_t pending() const { return pending_.size(); }

private:
  std::set<std::pair<time_point, job_id>> order_;
  std::unordered_map<job_id, time_point> due_;
  std::multiset<time_point> pending_;
  std::size_t max_pending_;
};

} // namespace jobcast
