#pragma once

#include "actors/job.hpp"
#include "actors/vocabulary.hpp"
#include "actors/worker.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <deque>
#include <map>
#include <set>

namespace jobcast {

/// How the registry runs jobs.
struct registry_settings {
  /// The kinds of job it can start.
  job_kinds kinds;
  /// How long a finished job stays visible.
  caf::timespan retention = std::chrono::minutes{10};
  /// How many jobs may run at once; the rest wait in FIFO order.
  std::size_t workers = 2;
  /// Finished jobs kept at most; the oldest are forgotten first.
  std::size_t max_retained = 1000;
  /// Passed to every job actor.
  job_options jobs;
};

/// The registry's state: the id counter and every job it knows.
struct registry_data {
  registry_settings settings;
  job_id next_id = 1;
  /// Running and retained jobs; ordered so that listings come newest first.
  std::map<job_id, job_actor> jobs;
  /// Jobs holding a worker slot.
  std::set<job_id> running;
  /// Jobs waiting for a slot, oldest first.
  std::deque<job_id> queue;
  /// Finished jobs still kept, oldest first.
  std::deque<job_id> retained;
  static inline const char* name = "registry";
};

using registry_pointer = registry_actor::stateful_pointer<registry_data>;

/// The one place that knows which jobs exist. Job ids count up from 1 per
/// registry. When the registry is stopped, it stops every job.
registry_actor::behavior_type registry(registry_pointer self,
                                       registry_settings settings);

} // namespace jobcast
