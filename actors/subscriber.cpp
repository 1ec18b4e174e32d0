#include "actors/subscriber.hpp"

#include "actors/log.hpp"
#include "actors/metrics.hpp"

#include <caf/actor_cast.hpp>

namespace jobcast {

subscriber_data::subscriber_data() {
  global_metrics().subscribers++;
}

subscriber_data::~subscriber_data() {

  global_metrics().subscribers--;
}

namespace {

/// Whether `ev` is new to the sink (and notes it as handed over).
bool is_new(subscriber_pointer self, const event_ptr& ev) {
  auto& st = self->state;
  // A reset starts the replay over: everything after it is new to the sink.
  if (ev->type() == event_type::reset)
    st.last_seq = 0;
  else if (ev->seq() <= st.last_seq)
    return false;
  st.last_seq = ev->seq();
  return true;
}

/// Hands `ev` to the sink unless it was handed over already; returns whether
/// the stream is over.
bool forward(subscriber_pointer self, const event_ptr& ev) {
  if (!is_new(self, ev))
    return false;
  self->state.sink->deliver(ev);
  global_metrics().events_delivered++;
  return ev->type() == event_type::end;
}

/// Quits, first taking back the monitor on the job: a monitor lives on the
/// job until it is removed, and a job outlives many of its subscribers.
void stop(subscriber_pointer self, caf::error reason = caf::error{}) {
  if (self->state.job)
    self->demonitor(self->state.job.address());
  self->quit(std::move(reason));
}

/// Hands a page of history to the sink; returns whether the stream is over.
bool take_page(subscriber_pointer self, history_page& page) {
  auto& st = self->state;
  auto events = std::make_shared<std::vector<event_ptr>>();
  events->reserve(page.events.size());
  auto ended = false;
  for (auto& ev : page.events)
    if (!ended && is_new(self, ev)) {
      ended = ev->type() == event_type::end;
      events->push_back(std::move(ev));
    }
  global_metrics().events_delivered += events->size();
  st.replaying = !page.caught_up && !ended;
  if (!events->empty() || page.caught_up)
    st.sink->replay(std::move(events), page.caught_up || ended);
  return ended;
}

/// Asks the job for the page after the last event handed over.
void fetch_page(subscriber_pointer self) {
  auto& st = self->state;
  if (!st.replaying || st.fetching || !st.job)
    return;
  st.fetching = true;
  auto me = caf::actor_cast<subscriber_actor>(self);
  self->request(st.job, caf::infinite, replay_atom_v, me, st.last_seq,
                st.sink->page_bytes())
      .then(
          [=](history_page& page) {
            self->state.fetching = false;
            if (take_page(self, page))
              stop(self);
          },
          [=](caf::error&) {
            // The job went away: the down handler ends the stream.
            self->state.fetching = false;
          });
}

void finish_with(subscriber_pointer self, stream_close why) {
  self->state.sink->closed(why);
  stop(self);
}

} // namespace

subscriber_actor::behavior_type subscriber(subscriber_pointer self,
                                           registry_client_actor registry,
                                           job_id id, resume_point from,
                                           event_sink_ptr sink) {
  auto& st = self->state;
  st.sink = std::move(sink);
  st.id = id;
  st.last_seq = from.after;
  JOBCAST_LOG_INFO("subscriber spawned for job " << id << " after event "
                                                 << from.after);
  // The connection went away (or the server stops). A connection still
  // waiting for its answer is told, so that it does not wait forever; one
  // that went away ignores it.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (!self->state.opened)
      self->state.sink->closed(stream_close::shutting_down);
    stop(self, msg.reason);
  });
  self->set_down_handler([=](caf::down_msg& msg) {
    self->state.job = nullptr; // Its monitor went with it.
    JOBCAST_LOG_INFO("subscriber: job " << self->state.id
                                        << " down: " << to_string(msg.reason));
    if (!self->state.opened)
      return finish_with(self, stream_close::job_lost);
    // The job actor died without its end event: end the stream as the job
    // would have, as failed, with the reason.
    forward(self, std::make_shared<const event>(
                      self->state.last_seq + 1, event_type::end,
                      "job failed: " + to_string(msg.reason),
                      event::no_progress, job_state::failed));
    stop(self);
  });
  // No event can come before the subscription reply: the job sends both,
  // and messages between two actors arrive in order.
  self->request(registry, caf::infinite, lookup_atom_v, id)
      .then(
          [=](job_client_actor client) {
            job_viewer_actor job = client;
            self->monitor(job);
            self->state.job = job;
            auto me = caf::actor_cast<subscriber_actor>(self);
            self->request(job, caf::infinite, subscribe_atom_v, me, from,
                          self->state.sink->page_bytes())
                .then(
                    [=](subscription& sub) {
                      // Resumed at or past the end of a finished job: there
                      // is nothing to stream (SSE says 204).
                      if (sub.page.events.empty() && is_final(sub.info.state))
                        return finish_with(self, stream_close::finished);
                      self->state.opened = true;
                      self->state.sink->opened(sub.info);
                      if (take_page(self, sub.page))
                        return stop(self);
                      // A finished job's history ends with its end event;
                      // should it not, nothing more will come anyway.
                      if (sub.page.caught_up && is_final(sub.info.state))
                        finish_with(self, stream_close::finished);
                    },
                    [=](caf::error& err) {
                      finish_with(self, jobcast_code(err) ==
                                                static_cast<std::uint8_t>(
                                                    errc::too_many)
                                            ? stream_close::overloaded
                                            : stream_close::job_lost);
                    });
          },
          [=](caf::error& err) {
            JOBCAST_LOG_INFO("subscriber: job " << id << " not found");
            finish_with(self, jobcast_code(err) != 0 ? stream_close::unknown_job
                                                     : stream_close::job_lost);
          });
  auto on_event = [=](const event_ptr& ev) {
    if (forward(self, ev)) {
      JOBCAST_LOG_INFO("subscriber: job " << self->state.id << " ended");
      stop(self);
    }
  };
  return {
      on_event,
      // The receipt goes with the message, once the event is handed on.
      [=](const event_ptr& ev, const delivery_receipt&) { on_event(ev); },
      [=](more_atom) { fetch_page(self); },
  };
}

} // namespace jobcast
