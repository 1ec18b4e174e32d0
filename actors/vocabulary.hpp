#pragma once

// The system's vocabulary: every atom, message type and typed actor interface
// that jobcast's actors speak. One line of comment per handler.

#include "actors/event.hpp"
#include "actors/event_sink.hpp"
#include "actors/job_info.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace jobcast {

// -- atoms --------------------------------------------------------------------

using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using finish_atom = caf::atom_constant<caf::atom("finish")>;
using finished_atom = caf::atom_constant<caf::atom("finished")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using lookup_atom = caf::atom_constant<caf::atom("lookup")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using queued_atom = caf::atom_constant<caf::atom("queued")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

// -- errors -------------------------------------------------------------------

caf::error make_error(errc code);

/// Returns the jobcast code in `err`, or 0 if it is not one of ours.
std::uint8_t jobcast_code(const caf::error& err);

// -- message types ------------------------------------------------------------

/// What a job answers a subscriber: its state and the events it asked for.
struct subscription {
  job_info info;
  std::vector<event_ptr> backlog;
};

/// Events to publish, in order.
using event_batch = std::vector<event_input>;

/// Sequence numbers given to published events.
using seq_list = std::vector<std::uint64_t>;

/// Travels with the events of one outside publish to every subscriber. When
/// the last copy is gone (every subscriber has handed the events on, or
/// dropped them) its deleter tells the job, which then answers the
/// publisher: a publisher cannot run ahead of the fan-out.
struct delivery_receipt {
  std::shared_ptr<void> token;
};

// -- typed actor interfaces ---------------------------------------------------

/// Spawned per streaming connection; forwards its job's events to an
/// `event_sink`.
using subscriber_actor = caf::typed_actor<
    // Receives one event of the job it follows.
    caf::reacts_to<event_ptr>,
    // Receives one event of an outside publish; drops the receipt after.
    caf::reacts_to<event_ptr, delivery_receipt>>;

/// Owns one job: its state, its event history and its subscribers.
using job_actor = caf::typed_actor<
    // Adds a subscriber; replies with every event after the given sequence.
    caf::replies_to<subscribe_atom, subscriber_actor,
                    std::uint64_t>::with<subscription>,
    // Publishes events from the job's own worker; replies their sequences.
    caf::replies_to<publish_atom, event_batch>::with<seq_list>,
    // Publishes events from outside, given the publish token's hash; replies
    // their sequences once every subscriber has taken them.
    caf::replies_to<publish_atom, std::string, event_batch>::with<seq_list>,
    // Every subscriber took the events of outside publish `n`.
    caf::reacts_to<delivered_atom, std::uint64_t>,
    // Ends the job from its own worker; replies the end event's sequence.
    caf::replies_to<finish_atom, job_state, std::string>::with<std::uint64_t>,
    // Ends the job from outside, given the publish token's hash.
    caf::replies_to<finish_atom, std::string, job_state,
                    std::string>::with<job_info>,
    // Cancels a queued or running job; replies its info after the end event.
    caf::replies_to<cancel_atom>::with<job_info>,
    // Replies a snapshot of the job.
    caf::replies_to<info_atom>::with<job_info>,
    // The registry lets a queued job run.
    caf::reacts_to<start_atom>,
    // The registry tells a queued job how many jobs are ahead of it.
    caf::reacts_to<queued_atom, std::uint32_t>,
    // Checks whether an external job's publisher went silent.
    caf::reacts_to<idle_atom>>;

/// Hands out job ids, spawns and tracks job actors, runs at most `workers`
/// of them at once (the rest wait in FIFO order), keeps finished jobs for the
/// retention period.
using registry_actor = caf::typed_actor<
    // Starts (or queues) a job of the given spec; replies its info.
    caf::replies_to<start_atom, job_spec>::with<job_info>,
    // Replies the job actor for an id, or errc::unknown_job.
    caf::replies_to<lookup_atom, job_id>::with<job_actor>,
    // Replies a snapshot of every known job, newest first.
    caf::replies_to<list_atom>::with<std::vector<job_info>>,
    // Replies a snapshot of one job (delegated to its job actor).
    caf::replies_to<info_atom, job_id>::with<job_info>,
    // Cancels one job (delegated); errc::job_finished if it already ended.
    caf::replies_to<cancel_atom, job_id>::with<job_info>,
    // Publishes to one job from outside (delegated), given the token's hash.
    caf::replies_to<publish_atom, job_id, std::string,
                    event_batch>::with<seq_list>,
    // Ends one job from outside (delegated), given the token's hash.
    caf::replies_to<finish_atom, job_id, std::string, job_state,
                    std::string>::with<job_info>,
    // A job reports that it ended; frees its worker slot, starts retention.
    caf::reacts_to<finished_atom, job_id, job_state>,
    // A retention period is over; forgets the job.
    caf::reacts_to<expire_atom, job_id>>;

// -- inspection (to_string in logs) ------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_spec& x) {
  // The token hash stays out of logs.
  return f(caf::meta::type_name("job_spec"), x.kind, x.title);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_input& x) {
  return f(caf::meta::type_name("event_input"), x.text, x.progress,
           x.from_stderr);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_info& x) {
  return f(caf::meta::type_name("job_info"), x.id, x.kind, x.title, x.state,
           x.created_ms, x.started_ms, x.finished_ms, x.events, x.progress,
           x.subscribers, x.queue_position);
}

} // namespace jobcast

// Events and subscriptions hold shared pointers and never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::event_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::subscription)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::event_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::delivery_receipt)
