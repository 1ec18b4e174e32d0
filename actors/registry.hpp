#pragma once

#include "actors/deadlines.hpp"
#include "actors/history_budget.hpp"
#include "actors/job.hpp"
#include "actors/job_kinds.hpp"
#include "actors/retention.hpp"
#include "actors/scheduler.hpp"
#include "actors/vocabulary.hpp"
#include "actors/worker.hpp"

#include <algorithm>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <deque>
#include <map>
#include <set>
#include <thread>

namespace jobcast {

/// How the registry runs jobs.
struct registry_settings {
  /// The kinds of job it can start.
  job_kinds kinds;
  /// How long a finished job stays visible.
  caf::timespan retention = std::chrono::minutes{10};
  /// How many jobs of kinds that take a worker slot may run at once; the
  /// rest wait in FIFO order.
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  /// Finished jobs kept at most; the oldest are forgotten first.
  std::size_t max_retained = 1000;
  /// Queued plus running jobs of every kind at most; more starts are
  /// refused (errc::too_many_jobs) and create nothing.
  std::size_t max_active = 10'000;
  /// What all histories together may count (history_budget::cost).
  std::uint64_t history_bytes = default_history_bytes;
  /// Passed to every job actor.
  job_options jobs;
};

/// What the registry knows of one job.
struct job_entry {
  job_actor handle;
  /// What the job last reported (the job list is answered from these).
  job_info summary;
  /// Whether its publisher can go silent (an external job, with a token).
  bool watched = false;
  /// Whether it reported its end (it is then in `retained`).
  bool finished = false;
};

/// The registry's state: the id counter and every job it knows.
struct registry_data {
  registry_settings settings;
  job_id next_id = 1;
  /// Active and retained jobs; ordered so that listings come newest first.
  std::map<job_id, job_entry> jobs;
  /// Who of the jobs that take a worker slot runs, and who waits.
  scheduler slots;
  /// Finished jobs still kept, oldest first.
  retention retained;
  /// Ends of retention and idle checks, with the one timer for them all.
  deadlines timers;
  history_budget budget;
  /// A budget round asks every unfinished job for its size; one at a time.
  bool budget_round = false;
  /// Another job reported the budget exceeded during the round.
  bool budget_again = false;
  static inline const char* name = "registry";
};

using registry_pointer = registry_actor::stateful_pointer<registry_data>;

/// The one place that knows which jobs exist. Job ids count up from 1 per
/// registry. When the registry is stopped, it stops every job.
registry_actor::behavior_type registry(registry_pointer self,
                                       registry_settings settings);

} // namespace jobcast
