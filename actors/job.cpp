#include "actors/job.hpp"

#include "actors/log.hpp"
#include "actors/metrics.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>

namespace jobcast {

namespace {

void remove_subscriber(job_pointer self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto i = st.index.find(who);
  if (i == st.index.end())
    return;
  auto pos = i->second;
  st.index.erase(i);
  if (pos + 1 != st.subscribers.size()) {
    st.subscribers[pos] = std::move(st.subscribers.back());
    st.index[st.subscribers[pos].address()] = pos;
  }
  st.subscribers.pop_back();
}

/// Records `ev` and sends it to every subscriber: one shared, immutable event
/// for all of them.
std::uint64_t broadcast(job_pointer self, event_ptr ev) {
  auto& st = self->state;
  st.history.push_back(ev);
  st.info.events = ev->seq();
  if (ev->has_progress())
    st.info.progress = ev->progress();
  global_metrics().events_published++;
  for (auto& sub : st.subscribers)
    self->send(sub, ev);
  return ev->seq();
}

std::uint64_t end_job(job_pointer self, const registry_actor& registry,
                      job_state final_state, std::string text) {
  auto& st = self->state;
  auto seq = st.history.size() + 1;
  auto ev = std::make_shared<const event>(seq, event_type::end, std::move(text),
                                          event::no_progress, final_state);
  broadcast(self, std::move(ev));
  st.info.state = final_state;
  st.info.finished_ms = now_ms();
  // Subscribers quit after the end event; no need to hear about it.
  for (auto& sub : st.subscribers)
    self->demonitor(sub.address());
  st.subscribers.clear();
  st.index.clear();
  if (st.worker) {
    self->demonitor(st.worker.address());
    st.worker = nullptr;
  }
  JOBCAST_LOG_INFO("job " << st.info.id
                          << " finished: " << to_string(final_state)
                          << " after " << st.history.size() << " events");
  self->send(registry, finished_atom::value, st.info.id, final_state);
  return seq;
}

} // namespace

job_actor::behavior_type job(job_pointer self, job_id id, job_spec spec,
                             registry_actor registry, worker_launcher launch) {
  auto& info = self->state.info;
  info.id = id;
  info.kind = std::move(spec.kind);
  info.title = std::move(spec.title);
  info.created_ms = now_ms();
  info.state = job_state::running;
  info.started_ms = info.created_ms;
  JOBCAST_LOG_INFO("job " << id << " spawned: kind " << info.kind);
  self->state.worker = launch(self, caf::actor_cast<job_actor>(self));
  if (self->state.worker)
    self->monitor(self->state.worker);
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.worker && msg.source == st.worker.address()) {
      st.worker = nullptr;
      if (!is_final(st.info.state)) {
        JOBCAST_LOG_WARNING("job " << st.info.id << ": worker stopped early: "
                                   << to_string(msg.reason));
        end_job(self, registry, job_state::failed,
                "worker stopped: " + to_string(msg.reason));
      }
      return;
    }
    JOBCAST_LOG_DEBUG("job " << st.info.id << ": subscriber " << msg.source.id()
                             << " down");
    remove_subscriber(self, msg.source);
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (self->state.worker)
      self->send_exit(self->state.worker, msg.reason);
    self->quit(msg.reason);
  });
  return {
      [=](subscribe_atom, subscriber_actor sub, std::uint64_t after) {
        auto& st = self->state;
        JOBCAST_LOG_INFO("job " << st.info.id << ": subscribe from actor "
                                << sub.id() << " after event " << after);
        subscription result;
        if (after < st.history.size())
          result.backlog.assign(st.history.begin() + after, st.history.end());
        if (!is_final(st.info.state)) {
          self->monitor(sub);
          st.index.emplace(sub.address(), st.subscribers.size());
          st.subscribers.push_back(std::move(sub));
        }
        result.info = st.info;
        result.info.subscribers =
            static_cast<std::uint32_t>(st.subscribers.size());
        return result;
      },
      [=](publish_atom, std::string& text,
          double progress) -> caf::result<std::uint64_t> {
        auto& st = self->state;
        if (is_final(st.info.state))
          return make_error(errc::job_finished);
        auto seq = st.history.size() + 1;
        JOBCAST_LOG_DEBUG("job " << st.info.id << ": publish event " << seq
                                 << " to " << st.subscribers.size()
                                 << " subscribers");
        return broadcast(
            self, std::make_shared<const event>(seq, event_type::progress,
                                                std::move(text), progress));
      },
      [=](finish_atom, job_state final_state,
          std::string& text) -> caf::result<std::uint64_t> {
        if (is_final(self->state.info.state) || !is_final(final_state))
          return make_error(errc::job_finished);
        return end_job(self, registry, final_state, std::move(text));
      },
      [=](cancel_atom) -> caf::result<job_info> {
        auto& st = self->state;
        if (is_final(st.info.state))
          return make_error(errc::job_finished);
        auto worker = st.worker;
        end_job(self, registry, job_state::cancelled, "cancelled");
        if (worker)
          self->send_exit(worker, caf::exit_reason::user_shutdown);
        return st.info;
      },
      [=](info_atom) {
        auto result = self->state.info;
        result.subscribers =
            static_cast<std::uint32_t>(self->state.subscribers.size());
        return result;
      },
  };
}

} // namespace jobcast
