#pragma once

// The system's vocabulary: every atom, message type and typed actor interface
// that jobcast's actors speak. One line of comment per handler.

#include "actors/event.hpp"
#include "actors/event_sink.hpp"
#include "actors/job_info.hpp"

#include <array>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/timespan.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace jobcast {

// -- atoms --------------------------------------------------------------------

} // namespace jobcast

CAF_BEGIN_TYPE_ID_BLOCK(jobcast, caf::first_custom_type_id)
CAF_ADD_ATOM(jobcast, jobcast, budget_atom, "budget")
CAF_ADD_ATOM(jobcast, jobcast, cancel_atom, "cancel")
CAF_ADD_ATOM(jobcast, jobcast, delivered_atom, "delivered")
CAF_ADD_ATOM(jobcast, jobcast, exited_atom, "exited")
CAF_ADD_ATOM(jobcast, jobcast, expire_atom, "expire")
CAF_ADD_ATOM(jobcast, jobcast, finish_atom, "finish")
CAF_ADD_ATOM(jobcast, jobcast, finished_atom, "finished")
CAF_ADD_ATOM(jobcast, jobcast, idle_atom, "idle")
CAF_ADD_ATOM(jobcast, jobcast, info_atom, "info")
CAF_ADD_ATOM(jobcast, jobcast, kill_atom, "kill")
CAF_ADD_ATOM(jobcast, jobcast, lines_atom, "lines")
CAF_ADD_ATOM(jobcast, jobcast, list_atom, "list")
CAF_ADD_ATOM(jobcast, jobcast, lookup_atom, "lookup")
CAF_ADD_ATOM(jobcast, jobcast, more_atom, "more")
CAF_ADD_ATOM(jobcast, jobcast, overtime_atom, "overtime")
CAF_ADD_ATOM(jobcast, jobcast, publish_atom, "publish")
CAF_ADD_ATOM(jobcast, jobcast, queued_atom, "queued")
CAF_ADD_ATOM(jobcast, jobcast, reaped_atom, "reaped")
CAF_ADD_ATOM(jobcast, jobcast, replay_atom, "replay")
CAF_ADD_ATOM(jobcast, jobcast, report_atom, "report")
CAF_ADD_ATOM(jobcast, jobcast, start_atom, "start")
CAF_ADD_ATOM(jobcast, jobcast, subscribe_atom, "subscribe")
CAF_ADD_ATOM(jobcast, jobcast, summary_atom, "summary")
CAF_ADD_ATOM(jobcast, jobcast, tick_atom, "tick")
CAF_ADD_ATOM(jobcast, jobcast, trim_atom, "trim")
CAF_END_TYPE_ID_BLOCK(jobcast)

// -- errors -------------------------------------------------------------------

// caf::make_error(errc::...) makes a caf::error of category "jobcast".
CAF_ERROR_CODE_ENUM(jobcast::errc, "jobcast")

namespace jobcast {

/// Returns the jobcast code in `err`, or 0 if it is not one of ours.
std::uint8_t jobcast_code(const caf::error& err);

// -- message types ------------------------------------------------------------

/// A part of a job's history, as a viewer replays it: a viewer takes the
/// history one page at a time, as fast as its connection takes them, so a
/// long log never sits whole in one viewer's buffer.
struct history_page {
  std::vector<event_ptr> events;
  /// The page reaches the job's newest event: the job now sends the viewer
  /// its live events (or the page ends with the end event).
  bool caught_up = false;
};

/// What a job answers a subscriber: its state and the first page of the
/// events it asked for.
struct subscription {
  job_info info;
  history_page page;
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
    caf::reacts_to<event_ptr, delivery_receipt>,
    // The connection took the last page of history: fetch the next one.
    caf::reacts_to<more_atom>>;

// The job's interface, by role: what each audience may ask of a job. A job
// whose state lives elsewhere (in Redis, say) implements the client roles,
// and nothing outside actors/ needs to know which kind it talks to.

/// What a viewer may ask of a job.
using job_viewer_actor = caf::typed_actor<
    // Adds a subscriber; replies the first page of events after the resume
    // point (about the given bytes of text; after a `reset` event if the
    // point does not fit the history).
    caf::replies_to<subscribe_atom, subscriber_actor, resume_point,
                    std::uint64_t>::with<subscription>,
    // Replies the page of history after the given seq (about the given
    // bytes of text); once it reaches the newest event, follows live.
    caf::replies_to<replay_atom, subscriber_actor, std::uint64_t,
                    std::uint64_t>::with<history_page>,
    // Replies a snapshot of the job.
    caf::replies_to<info_atom>::with<job_info>>;

/// What a publisher may do to a job: its own worker, trusted, or someone
/// outside with the hash of the job's publish token.
using job_publisher_actor = caf::typed_actor<
    // Publishes events from the job's own worker; replies their sequences.
    caf::replies_to<publish_atom, event_batch>::with<seq_list>,
    // Publishes events from outside, given the publish token's hash; replies
    // their sequences once every subscriber has taken them.
    caf::replies_to<publish_atom, std::string, event_batch>::with<seq_list>,
    // Ends the job from its own worker; replies the end event's sequence.
    caf::replies_to<finish_atom, job_state, std::string>::with<std::uint64_t>,
    // Ends the job from outside, given the publish token's hash.
    caf::replies_to<finish_atom, std::string, job_state,
                    std::string>::with<job_info>>;

/// What clients of the registry get for a job id: viewing, publishing, and
/// cancelling (which a job's own worker cannot ask for).
using job_client_actor =
    job_viewer_actor::extend_with<job_publisher_actor>::extend<
        // Cancels a queued or running job; replies its info after the end
        // event.
        caf::replies_to<cancel_atom>::with<job_info>>;

/// What the registry tells a job.
using job_control_actor = caf::typed_actor<
    // Lets a queued job run.
    caf::reacts_to<start_atom>,
    // Tells a queued job how many jobs are ahead of it (only the places a
    // job records: see scheduler::recorded).
    caf::reacts_to<queued_atom, std::uint32_t>,
    // Asks whether an external job's publisher went silent; the job ends,
    // or tells the registry when to ask again.
    caf::reacts_to<idle_atom>,
    // Replies the bytes its history counts (the registry's budget round).
    caf::replies_to<budget_atom>::with<std::uint64_t>,
    // Drops its oldest events until its history counts at most that many
    // bytes (--limits.history-bytes); resuming viewers get a `gap`.
    caf::reacts_to<trim_atom, std::uint64_t>>;

/// Owns one job: its state, its event history and its subscribers.
using job_actor = job_client_actor::extend_with<job_control_actor>::extend<
    // Internal: every subscriber took the events of outside publish `n`.
    caf::reacts_to<delivered_atom, std::uint64_t>,
    // Internal: time to send the registry the job's changed summary.
    caf::reacts_to<report_atom>>;

// The registry's interface, by role.

/// What clients may ask the registry: the HTTP front end (through the
/// gateway) and subscriber actors.
using registry_client_actor = caf::typed_actor<
    // Starts (or queues) a job of the given spec; replies its info.
    caf::replies_to<start_atom, job_spec>::with<job_info>,
    // Replies the job for an id, or errc::unknown_job.
    caf::replies_to<lookup_atom, job_id>::with<job_client_actor>,
    // Replies a page of the job list from the summaries it keeps.
    caf::replies_to<list_atom, job_query>::with<job_listing>,
    // Replies a snapshot of one job (asked of the job itself).
    caf::replies_to<info_atom, job_id>::with<job_info>,
    // Cancels one job (delegated); errc::job_finished if it already ended.
    caf::replies_to<cancel_atom, job_id>::with<job_info>,
    // Publishes to one job from outside (delegated), given the token's hash.
    caf::replies_to<publish_atom, job_id, std::string,
                    event_batch>::with<seq_list>,
    // Ends one job from outside (delegated), given the token's hash.
    caf::replies_to<finish_atom, job_id, std::string, job_state,
                    std::string>::with<job_info>>;

/// What jobs tell their registry.
using registry_job_actor = caf::typed_actor<
    // A job's summary changed (state, progress, events, viewers).
    caf::reacts_to<summary_atom, job_info>,
    // A job ended: its last summary and the bytes its history counts; frees
    // its worker slot, starts retention.
    caf::reacts_to<finished_atom, job_info, std::uint64_t>,
    // A running external job's publisher was active: ask again after this.
    caf::reacts_to<idle_atom, job_id, caf::timespan>,
    // A job saw the histories go over --limits.history-bytes.
    caf::reacts_to<budget_atom>>;

/// Hands out job ids, spawns and tracks job actors, runs at most `workers`
/// jobs that take a worker slot at once (the rest wait in FIFO order), keeps
/// finished jobs for the retention period and every history within the
/// history budget.
using registry_actor =
    registry_client_actor::extend_with<registry_job_actor>::extend<
        // Internal: its one timer; forgets jobs whose retention is over, asks
        // external jobs whether their publisher went silent.
        caf::reacts_to<expire_atom>>;

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
typename Inspector::result_type inspect(Inspector& f, resume_point& x) {
  return f(caf::meta::type_name("resume_point"), x.after, x.epoch, x.readable);
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
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::history_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::job_listing)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::job_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::event_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(jobcast::delivery_receipt)
