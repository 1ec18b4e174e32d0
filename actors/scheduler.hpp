#pragma once

// Who runs and who waits among the jobs that take a worker slot (declared
// commands): a plain class the registry owns, tested without actors.

#include "actors/job_info.hpp"

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace jobcast {

class scheduler {
public:
  /// What changed with one call: the jobs that may run now, and the queued
  /// jobs to tell their new place (only places a job records: `recorded`).
  struct moves {
    std::vector<job_id> started;
    std::vector<std::pair<job_id, std::uint32_t>> places;
  };

  /// At most `slots` jobs run at once (0 counts as 1).
  explicit scheduler(std::size_t slots = 1);

  /// A job that wants a slot: it runs at once if one is free, else it waits
  /// last in line and hears its place.
  moves add(job_id id);

  /// Job `id` ended or went away: its slot goes to the oldest waiting job,
  /// or its place in line to those behind it. Unknown ids change nothing.
  moves remove(job_id id);

  /// Jobs ahead of `id`, if it waits.
  std::optional<std::uint32_t> place(job_id id) const;

  std::size_t running() const { return running_.size(); }
  std::size_t waiting() const { return queue_.size(); }

  /// Whether a job records its place as an event when `ahead` jobs are
  /// ahead of it: every place of the last 16, then powers of two. Every
  /// move is in the job's info anyway; recording all of them would cost a
  /// quadratic number of events (and messages) for a long queue.
  static bool recorded(std::uint32_t ahead);

private:
  /// Starts waiting jobs while slots are free; tells the rest their places
  /// from place `from` on.
  void admit(moves& m, std::size_t from);

  std::size_t slots_;
  std::set<job_id> running_;
  std::deque<job_id> queue_;
};

} // namespace jobcast
