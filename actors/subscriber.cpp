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

/// Hands `ev` to the sink unless it was handed over already; returns whether
/// the stream is over.
bool forward(subscriber_pointer self, const event_ptr& ev) {
  auto& st = self->state;
  if (ev->seq() <= st.last_seq)
    return false;
  st.last_seq = ev->seq();
  st.sink->deliver(ev);
  global_metrics().events_delivered++;
  return ev->type() == event_type::end;
}

/// Quits, first taking back the monitor on the job: a monitor lives on the
/// job until it is removed, and a job outlives many of its subscribers.
void stop(subscriber_pointer self, caf::error reason = caf::error{}) {
  if (self->state.job)
    self->demonitor(self->state.job);
  self->quit(std::move(reason));
}

void finish_with(subscriber_pointer self, stream_close why) {
  self->state.sink->closed(why);
  stop(self);
}

} // namespace

subscriber_actor::behavior_type subscriber(subscriber_pointer self,
                                           registry_actor registry, job_id id,
                                           std::uint64_t after,
                                           event_sink_ptr sink) {
  auto& st = self->state;
  st.sink = std::move(sink);
  st.id = id;
  st.last_seq = after;
  JOBCAST_LOG_INFO("subscriber spawned for job " << id << " after event "
                                                 << after);
  // The connection went away (or the server stops).
  self->set_exit_handler([=](caf::exit_msg& msg) { stop(self, msg.reason); });
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
  self->request(registry, caf::infinite, lookup_atom::value, id)
      .then(
          [=](job_actor job) {
            self->monitor(job);
            self->state.job = job.address();
            auto me = caf::actor_cast<subscriber_actor>(self);
            self->request(job, caf::infinite, subscribe_atom::value, me, after)
                .then(
                    [=](subscription& sub) {
                      self->state.opened = true;
                      self->state.sink->opened(sub.info);
                      for (auto& ev : sub.backlog)
                        if (forward(self, ev)) {
                          stop(self);
                          return;
                        }
                      // Resumed at or past the end of a finished job:
                      // nothing more will come.
                      if (is_final(sub.info.state))
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
  };
}

} // namespace jobcast
