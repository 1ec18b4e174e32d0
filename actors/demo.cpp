#include "actors/demo.hpp"

#include "actors/log.hpp"

#include <array>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace jobcast {

namespace {

constexpr std::array<const char*, 3> steps = {
    "Did something",
    "Did something else",
    "All done",
};

struct demo_state {
  std::size_t next = 0;
  static inline const char* name = "demo-worker";
};

caf::behavior demo_worker(caf::stateful_actor<demo_state>* self,
                          job_publisher_actor job, caf::timespan interval) {
  self->monitor(job);
  self->set_down_handler([=](caf::down_msg&) { self->quit(); });
  self->delayed_send(self, interval, tick_atom_v);
  return {
      [=](tick_atom) {
        auto i = self->state.next++;
        auto progress = static_cast<double>(i + 1) / steps.size();
        event_batch batch{event_input{steps[i], progress, false}};
        self->request(job, caf::infinite, publish_atom_v, std::move(batch))
            .then([](seq_list&) {}, [=](caf::error& err) { self->quit(err); });
        if (self->state.next < steps.size()) {
          self->delayed_send(self, interval, tick_atom_v);
          return;
        }
        // Messages between two actors arrive in order: the end follows the
        // last step.
        self->request(job, caf::infinite, finish_atom_v, job_state::succeeded,
                      std::string{})
            .then([=](std::uint64_t) { self->quit(); },
                  [=](caf::error& err) { self->quit(err); });
      },
  };
}

} // namespace

worker_launcher demo_job(caf::timespan interval) {
  return [interval](caf::local_actor* self, const job_publisher_actor& job) {
    return caf::actor{self->spawn(demo_worker, job, interval)};
  };
}

} // namespace jobcast
