#pragma once

#include "actors/vocabulary.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace jobcast {

/// The subscriber actor's state: where it delivers and how far it got.
struct subscriber_data {
  subscriber_data();
  ~subscriber_data();
  subscriber_data(const subscriber_data&) = delete;
  subscriber_data& operator=(const subscriber_data&) = delete;

  event_sink_ptr sink;
  job_id id = 0;
  /// The sequence number of the last event handed to the sink.
  std::uint64_t last_seq = 0;
  /// The job followed, once looked up.
  job_viewer_actor job;
  /// Replaying the history: the sink asks for each next page.
  bool replaying = false;
  /// A page is on its way.
  bool fetching = false;
  /// Whether the sink got `opened`.
  bool opened = false;
  static inline const char* name = "subscriber";
};

using subscriber_pointer = subscriber_actor::stateful_pointer<subscriber_data>;

/// Follows job `id` for one connection: looks the job up in `registry`,
/// subscribes for every event after `from`, and hands them to `sink` in
/// order (starting over after a `reset`). Quits after the job's end event, when
/// the job goes away, or when the connection sends it an exit message.
subscriber_actor::behavior_type subscriber(subscriber_pointer self,
                                           registry_client_actor registry,
                                           job_id id, resume_point from,
                                           event_sink_ptr sink);

} // namespace jobcast
