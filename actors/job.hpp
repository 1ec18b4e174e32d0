#pragma once

#include "actors/vocabulary.hpp"
#include "actors/worker.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <deque>
#include <unordered_map>
#include <vector>

namespace jobcast {

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
};

/// The job actor's state: everything there is to know about one job.
struct job_data {
  job_info info;
  /// The newest events, in sequence order: event `n` is at index
  /// `n - dropped - 1`.
  std::deque<event_ptr> history;
  /// Events dropped from the front of the history (`max_events`).
  std::uint64_t dropped = 0;
  /// Live subscribers, swap-removed through `index` when they go down.
  std::vector<subscriber_actor> subscribers;
  std::unordered_map<caf::actor_addr, std::size_t> index;
  worker_launcher launch;
  caf::actor worker;
  /// The publish token's hash; empty for jobs that only their worker feeds.
  std::string token_hash;
  job_options options;
  std::int64_t last_activity_ms = 0;
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
                             registry_actor registry, worker_launcher launch,
                             job_options options);

/// Compares two strings in time that depends only on their lengths.
bool constant_time_equal(const std::string& x, const std::string& y);

} // namespace jobcast
