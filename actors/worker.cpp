#include "actors/worker.hpp"

#include <caf/event_based_actor.hpp>

namespace jobcast {

worker_launcher external_job() {
  return [](caf::local_actor*, const job_publisher_actor&) {
    return caf::actor{};
  };
}

worker_launcher noop_job() {
  return [](caf::local_actor* self, const job_publisher_actor& job) {
    // `job` is a spawn argument rather than a capture: see gateway.cpp.
    return caf::actor{self->spawn(
        [](caf::event_based_actor* worker, const job_publisher_actor& job) {
          worker
              ->request(job, caf::infinite, finish_atom_v, job_state::succeeded,
                        std::string{})
              .then([=](std::uint64_t) { worker->quit(); },
                    [=](caf::error& err) { worker->quit(err); });
        },
        job)};
  };
}

} // namespace jobcast
