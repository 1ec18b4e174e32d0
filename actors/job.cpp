#include "actors/job.hpp"

#include "actors/log.hpp"
#include "actors/metrics.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <optional>

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

/// Records an event and sends it to every subscriber: one shared, immutable
/// event for all of them.
std::uint64_t broadcast(job_pointer self, event_type type, std::string text,
                        double progress = event::no_progress,
                        bool from_stderr = false,
                        const delivery_receipt* receipt = nullptr) {
  auto& st = self->state;
  auto seq = st.dropped + st.history.size() + 1;
  auto state = st.info.state; // Already the final one for the end event.
  auto ev = std::make_shared<const event>(seq, type, std::move(text), progress,
                                          state, from_stderr);
  st.history.push_back(ev);
  if (st.history.size() > st.options.max_events) {
    st.history.pop_front();
    ++st.dropped;
  }
  st.info.events = seq;
  if (ev->has_progress())
    st.info.progress = ev->progress();
  global_metrics().events_published++;
  if (receipt)
    for (auto& sub : st.subscribers)
      self->send(sub, ev, *receipt);
  else
    for (auto& sub : st.subscribers)
      self->send(sub, ev);
  return seq;
}

std::uint64_t end_job(job_pointer self, const registry_actor& registry,
                      job_state final_state, std::string text) {
  auto& st = self->state;
  st.info.state = final_state;
  st.info.finished_ms = now_ms();
  st.info.queue_position = 0;
  auto seq = broadcast(self, event_type::end, std::move(text));
  // Subscribers quit after the end event; no need to hear about it.
  for (auto& sub : st.subscribers)
    self->demonitor(sub.address());
  st.subscribers.clear();
  st.index.clear();
  if (st.worker) {
    self->demonitor(st.worker.address());
    // A worker that has not finished by itself (cancel) is stopped.
    self->send_exit(st.worker, caf::exit_reason::user_shutdown);
    st.worker = nullptr;
  }
  JOBCAST_LOG_INFO("job " << st.info.id
                          << " finished: " << to_string(final_state)
                          << " after " << st.info.events << " events");
  self->send(registry, finished_atom::value, st.info.id, final_state);
  return seq;
}

/// Why the job takes no events now, if it does not.
std::optional<errc> refuses_events(job_pointer self) {
  auto state = self->state.info.state;
  if (is_final(state))
    return errc::job_finished;
  if (state != job_state::running)
    return errc::not_running;
  return std::nullopt;
}

/// Records and broadcasts `batch` (the job must take events).
seq_list publish(job_pointer self, event_batch& batch,
                 const delivery_receipt* receipt = nullptr) {
  auto& st = self->state;
  st.last_activity_ms = now_ms();
  seq_list seqs;
  seqs.reserve(batch.size());
  for (auto& in : batch)
    seqs.push_back(broadcast(self, event_type::progress, std::move(in.text),
                             in.progress, in.from_stderr, receipt));
  if (!seqs.empty())
    JOBCAST_LOG_DEBUG("job "
                      << st.info.id << ": publish event"
                      << (seqs.size() == 1 ? " " : "s ") << seqs.front()
                      << (seqs.size() == 1 ? std::string{}
                                           : "-" + std::to_string(seqs.back()))
                      << " to " << st.subscribers.size() << " subscribers");
  return seqs;
}

void schedule_idle_check(job_pointer self, caf::timespan after) {
  self->delayed_send(self, after, idle_atom::value);
}

void start(job_pointer self) {
  auto& st = self->state;
  if (st.info.state != job_state::queued)
    return;
  auto was_queued = !st.history.empty();
  st.info.state = job_state::running;
  st.info.started_ms = now_ms();
  st.info.queue_position = 0;
  st.last_activity_ms = st.info.started_ms;
  JOBCAST_LOG_INFO("job " << st.info.id << " started");
  if (was_queued)
    broadcast(self, event_type::status, "started");
  if (!st.token_hash.empty())
    schedule_idle_check(self, st.options.idle_timeout);
  if (st.launch)
    st.worker = st.launch(self, caf::actor_cast<job_actor>(self));
  if (st.worker)
    self->monitor(st.worker);
}

} // namespace

bool constant_time_equal(const std::string& x, const std::string& y) {
  if (x.size() != y.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    diff |= static_cast<unsigned char>(x[i] ^ y[i]);
  return diff == 0;
}

job_actor::behavior_type job(job_pointer self, job_id id, job_spec spec,
                             registry_actor registry, worker_launcher launch,
                             job_options options) {
  auto& st = self->state;
  st.info.id = id;
  st.info.kind = std::move(spec.kind);
  st.info.title = std::move(spec.title);
  st.info.created_ms = now_ms();
  st.info.state = job_state::queued;
  st.token_hash = std::move(spec.token_hash);
  st.launch = std::move(launch);
  st.options = options;
  JOBCAST_LOG_INFO("job " << id << " spawned: kind " << st.info.kind);
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
  auto authorized = [=](const std::string& hash) {
    auto& st = self->state;
    return !st.token_hash.empty() && constant_time_equal(hash, st.token_hash);
  };
  return {
      [=](subscribe_atom, subscriber_actor sub,
          std::uint64_t after) -> caf::result<subscription> {
        auto& st = self->state;
        JOBCAST_LOG_INFO("job " << st.info.id << ": subscribe from actor "
                                << sub.id() << " after event " << after);
        subscription result;
        if (after < st.dropped) {
          // The client wants events no longer kept: say so, then give all.
          result.backlog.push_back(std::make_shared<const event>(
              st.dropped, event_type::gap,
              std::to_string(st.dropped - after) +
                  " earlier events were dropped from the history",
              event::no_progress, st.info.state));
          after = st.dropped;
        }
        auto skip = after - st.dropped;
        if (skip < st.history.size())
          result.backlog.insert(result.backlog.end(), st.history.begin() + skip,
                                st.history.end());
        if (!is_final(st.info.state)) {
          if (st.subscribers.size() >= st.options.max_subscribers)
            return caf::result<subscription>{make_error(errc::too_many)};
          self->monitor(sub);
          st.index.emplace(sub.address(), st.subscribers.size());
          st.subscribers.push_back(std::move(sub));
        }
        result.info = st.info;
        result.info.subscribers =
            static_cast<std::uint32_t>(st.subscribers.size());
        return result;
      },
      [=](publish_atom, event_batch& batch) -> caf::result<seq_list> {
        if (auto why = refuses_events(self))
          return make_error(*why);
        return publish(self, batch);
      },
      [=](publish_atom, const std::string& hash,
          event_batch& batch) -> caf::result<seq_list> {
        if (!authorized(hash))
          return make_error(errc::forbidden);
        if (auto why = refuses_events(self))
          return make_error(*why);
        // The answer waits for the receipt: see delivery_receipt.
        auto& st = self->state;
        auto n = ++st.publishes;
        auto me = caf::actor_cast<job_actor>(self);
        delivery_receipt receipt{std::shared_ptr<void>(nullptr, [me, n](void*) {
          caf::anon_send(me, delivered_atom::value, n);
        })};
        auto seqs = publish(self, batch, &receipt);
        auto rp = self->make_response_promise<seq_list>();
        st.unanswered.emplace(n, std::make_pair(rp, std::move(seqs)));
        return rp;
      },
      [=](delivered_atom, std::uint64_t n) {
        auto& st = self->state;
        auto i = st.unanswered.find(n);
        if (i == st.unanswered.end())
          return;
        i->second.first.deliver(std::move(i->second.second));
        st.unanswered.erase(i);
      },
      [=](finish_atom, job_state final_state,
          std::string& text) -> caf::result<std::uint64_t> {
        if (is_final(self->state.info.state) || !is_final(final_state))
          return make_error(errc::job_finished);
        return end_job(self, registry, final_state, std::move(text));
      },
      [=](finish_atom, const std::string& hash, job_state final_state,
          std::string& text) -> caf::result<job_info> {
        if (!authorized(hash))
          return make_error(errc::forbidden);
        if (is_final(self->state.info.state) || !is_final(final_state))
          return make_error(errc::job_finished);
        end_job(self, registry, final_state, std::move(text));
        return self->state.info;
      },
      [=](cancel_atom) -> caf::result<job_info> {
        auto& st = self->state;
        if (is_final(st.info.state))
          return make_error(errc::job_finished);
        end_job(self, registry, job_state::cancelled, "cancelled");
        return st.info;
      },
      [=](info_atom) {
        auto result = self->state.info;
        result.subscribers =
            static_cast<std::uint32_t>(self->state.subscribers.size());
        return result;
      },
      [=](start_atom) { start(self); },
      [=](queued_atom, std::uint32_t ahead) {
        auto& st = self->state;
        if (st.info.state != job_state::queued ||
            (!st.history.empty() && st.info.queue_position == ahead))
          return;
        auto first = st.history.empty();
        st.info.queue_position = ahead;
        // Every move is in the info; only some are events, or a long queue
        // would record a quadratic number of them: the first, then powers of
        // two, then each of the last 16.
        if (first || ahead < 16 || (ahead & (ahead - 1)) == 0)
          broadcast(self, event_type::status,
                    "queued, " + std::to_string(ahead) + " ahead");
      },
      [=](idle_atom) {
        auto& st = self->state;
        if (st.info.state != job_state::running)
          return;
        auto idle = std::chrono::milliseconds{now_ms() - st.last_activity_ms};
        if (idle >= st.options.idle_timeout) {
          end_job(self, registry, job_state::failed, "publisher went away");
          return;
        }
        schedule_idle_check(self, st.options.idle_timeout - idle);
      },
  };
}

} // namespace jobcast
