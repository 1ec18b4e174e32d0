#pragma once

#include "actors/vocabulary.hpp"
#include "actors/worker.hpp"

#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <deque>
#include <unordered_map>
#include <vector>

namespace jobcast {

/// --limits.history-bytes unless set.
inline constexpr std::uint64_t default_history_bytes = 256 * 1024 * 1024;

/// How a job actor behaves, beyond what its spec says.
struct job_options {
  /// An externally published job fails after this long without a request
  /// from its publisher.
  caf::timespan idle_timeout = std::chrono::minutes{10};
  /// More subscribers are turned away (503).
  std::size_t max_subscribers = 50'000;
  /// Older events leave the history past this many; resuming clients get a
  /// `gap` event telling them how many they missed.
  std::size_t max_events = 200'000;
  /// --limits.history-bytes: the bytes all histories together may count.
  /// The registry decides what goes; a job only tells it when it sees the
  /// total past this.
  std::uint64_t history_limit = default_history_bytes;
  /// A changed summary (progress, events, viewers) reaches the registry's
  /// job list at most this late; state changes go at once.
  caf::timespan summary_interval = std::chrono::milliseconds{250};
};

/// The job actor's state: everything there is to know about one job.
struct job_data {
  job_data() = default;
  /// Takes the history's bytes off the budget's gauge.
  ~job_data();
  job_data(const job_data&) = delete;
  job_data& operator=(const job_data&) = delete;

  job_info info;
  /// The newest events, in sequence order: event `n` is at index
  /// `n - dropped - 1`.
  std::deque<event_ptr> history;
  /// Events dropped from the front of the history (`max_events`, or the
  /// history budget).
  std::uint64_t dropped = 0;
  /// What the history counts against --limits.history-bytes.
  std::uint64_t history_bytes = 0;
  /// Whether this job told the registry that the budget is exceeded since
  /// the registry last asked for its size.
  bool budget_reported = false;
  /// Live subscribers, swap-removed through `index` when they go down.
  std::vector<subscriber_actor> subscribers;
  std::unordered_map<caf::actor_addr, std::size_t> index;
  worker_launcher launch;
  caf::actor worker;
  /// Where the job reports its summary, its end and the history budget.
  registry_job_actor registry;
  /// The summary changed since it was last sent to the registry.
  bool summary_dirty = false;
  /// A `report` to itself is on its way.
  bool report_pending = false;
  /// The publish token's hash; empty for jobs that only their worker feeds.
  std::string token_hash;
  job_options options;
  /// When the publisher (or worker) last published, on the actor clock.
  caf::actor_clock::time_point last_activity;
  /// Outside publishes whose receipt is still out, by number.
  std::unordered_map<std::uint64_t,
                     std::pair<caf::typed_response_promise<seq_list>, seq_list>>
      unanswered;
  std::uint64_t publishes = 0;
  static inline const char* name = "job";
};

using job_pointer = job_actor::stateful_pointer<job_data>;

/// Runs job `id`. It waits in state `queued` until the registry sends
/// `start`, then starts its worker, records and broadcasts its events, and
/// tells `registry` when it ends. It stays alive after its end (to serve late
/// viewers) until the registry stops it.
job_actor::behavior_type job(job_pointer self, job_id id, job_spec spec,
                             registry_job_actor registry,
                             worker_launcher launch, job_options options);

} // namespace jobcast
