#include "actors/registry.hpp"

#include "actors/job.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"

#include <algorithm>
#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <memory>
#include <optional>
#include <unordered_map>

namespace jobcast {

namespace {

/// A page of the job list from the summaries, newest first. Queued jobs
/// get their exact place (jobs hear of only some moves).
job_listing list_jobs(registry_pointer self, const job_query& q) {
  auto& st = self->state;
  job_listing result;
  for (auto i = st.jobs.rbegin(); i != st.jobs.rend(); ++i) {
    auto& info = i->second.summary;
    result.by_state[static_cast<std::size_t>(info.state)]++;
    if (q.state && info.state != *q.state)
      continue;
    if (result.total >= q.offset && result.jobs.size() < q.limit) {
      result.jobs.push_back(info);
      if (info.state == job_state::queued)
        if (auto place = st.slots.place(i->first))
          result.jobs.back().queue_position = *place;
    }
    ++result.total;
  }
  return result;
}

/// Makes sure a delayed message wakes the registry for its earliest
/// deadline.
void rearm(registry_pointer self) {
  auto& st = self->state;
  if (auto due = st.timers.arm()) {
    auto delay = *due - self->clock().now();
    self->delayed_send(self, std::max(delay, decltype(delay)::zero()),
                       expire_atom_v);
  }
}

/// Lets job `id` run; an external job's idle checks begin.
void start_job(registry_pointer self, job_id id) {
  auto& st = self->state;
  auto& entry = st.jobs[id];
  self->send(entry.handle, start_atom_v);
  if (entry.watched) {
    st.timers.set(id, self->clock().now() + st.settings.jobs.idle_timeout);
    rearm(self);
  }
}

/// Carries out the scheduler's moves: jobs that may run now start, queued
/// jobs hear their new place.
void carry_out(registry_pointer self, const scheduler::moves& m) {
  auto& st = self->state;
  for (auto id : m.started)
    start_job(self, id);
  for (auto& [id, place] : m.places)
    self->send(st.jobs[id].handle, queued_atom_v, place);
}

/// Frees whatever job `id` held: its worker slot or its place in line.
void release(registry_pointer self, job_id id) {
  carry_out(self, self->state.slots.remove(id));
}

/// Stops a finished job (already out of `retained`) and drops it from the
/// registry. Its actor frees its history when it exits.
void forget(registry_pointer self, job_id id, const char* why) {
  auto& st = self->state;
  auto i = st.jobs.find(id);
  if (i == st.jobs.end())
    return;
  JOBCAST_LOG_INFO("registry: job " << id << " " << why);
  self->demonitor(i->second.handle.address());
  self->send_exit(i->second.handle, caf::exit_reason::user_shutdown);
  st.jobs.erase(i);
  st.timers.erase(id);
}

/// Carries out a budget round's plan, given every unfinished job's size.
void apply_budget(registry_pointer self,
                  std::vector<std::pair<job_id, std::uint64_t>>& sizes) {
  auto& st = self->state;
  // A job that finished before it answered is in `retained` already.
  sizes.erase(std::remove_if(sizes.begin(), sizes.end(),
                             [&](const std::pair<job_id, std::uint64_t>& x) {
                               auto i = st.jobs.find(x.first);
                               return i == st.jobs.end() || i->second.finished;
                             }),
              sizes.end());
  std::vector<std::uint64_t> unfinished;
  unfinished.reserve(sizes.size());
  for (auto& x : sizes)
    unfinished.push_back(x.second);
  auto plan = st.budget.plan(st.retained.sizes(), std::move(unfinished));
  for (auto id : st.retained.take_oldest(plan.evict)) {
    forget(self, id, "evicted for the history budget");
    global_metrics().history_jobs_evicted++;
  }
  if (plan.cap)
    for (auto& x : sizes)
      if (x.second > *plan.cap)
        self->send(st.jobs[x.first].handle, trim_atom_v, *plan.cap);
  rearm(self);
}

/// Asks every unfinished job for its size, then applies the budget. The
/// sizes of finished jobs are known: they report them when they end.
void budget_round(registry_pointer self) {
  auto& st = self->state;
  if (st.budget_round) {
    st.budget_again = true;
    return;
  }
  st.budget_round = true;
  struct gather {
    std::vector<std::pair<job_id, std::uint64_t>> sizes;
    std::size_t pending = 0;
  };
  auto acc = std::make_shared<gather>();
  auto done = [self, acc] {
    if (acc->pending > 0 && --acc->pending > 0)
      return;
    apply_budget(self, acc->sizes);
    auto& st = self->state;
    st.budget_round = false;
    if (st.budget_again) {
      st.budget_again = false;
      budget_round(self);
    }
  };
  for (auto& kvp : st.jobs)
    if (!kvp.second.finished)
      ++acc->pending;
  if (acc->pending == 0)
    return done();
  for (auto& kvp : st.jobs) {
    if (kvp.second.finished)
      continue;
    auto id = kvp.first;
    self->request(kvp.second.handle, caf::infinite, budget_atom_v)
        .then(
            [acc, done, id](std::uint64_t bytes) {
              acc->sizes.emplace_back(id, bytes);
              done();
            },
            [done](caf::error&) { done(); });
  }
}

/// Forwards a request for job `id` to its job actor, or fails.
template <class T, class... Ts>
caf::result<T> delegate_to_job(registry_pointer self, job_id id, Ts&&... xs) {
  auto& jobs = self->state.jobs;
  auto i = jobs.find(id);
  if (i == jobs.end())
    return caf::make_error(errc::unknown_job);
  return self->delegate(i->second.handle, std::forward<Ts>(xs)...);
}

} // namespace

registry_actor::behavior_type registry(registry_pointer self,
                                       registry_settings settings) {
  auto& st = self->state;
  st.settings = std::move(settings);
  st.slots = scheduler{st.settings.workers};
  if (st.settings.max_active == 0)
    st.settings.max_active = 1;
  st.settings.jobs.history_limit = st.settings.history_bytes;
  st.retained = retention{st.settings.max_retained};
  st.budget = history_budget{st.settings.history_bytes};
  JOBCAST_LOG_INFO("registry spawned with "
                   << st.settings.workers << " worker slots, "
                   << st.settings.kinds.all().size() << " job kinds");
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    for (auto i = st.jobs.begin(); i != st.jobs.end(); ++i) {
      if (i->second.handle.address() == msg.source) {
        auto id = i->first;
        JOBCAST_LOG_INFO("registry: job "
                         << id << " down: " << to_string(msg.reason));
        st.jobs.erase(i);
        st.retained.remove(id);
        st.timers.erase(id);
        release(self, id);
        return;
      }
    }
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    JOBCAST_LOG_INFO("registry: stopping " << self->state.jobs.size()
                                           << " jobs");
    for (auto& kvp : self->state.jobs)
      self->send_exit(kvp.second.handle, msg.reason);
    self->quit(msg.reason);
  });
  return {
      [=](start_atom, job_spec& spec) -> caf::result<job_info> {
        auto& st = self->state;
        auto kind = st.settings.kinds.find(spec.kind);
        if (!kind)
          return caf::make_error(errc::unknown_kind);
        if (st.jobs.size() - st.retained.size() >= st.settings.max_active) {
          global_metrics().jobs_refused++;
          return caf::make_error(errc::too_many_jobs);
        }
        auto id = st.next_id++;
        job_entry entry;
        entry.watched = kind->needs_token;
        entry.summary.id = id;
        entry.summary.kind = spec.kind;
        entry.summary.title = spec.title;
        entry.summary.created_ms = now_ms();
        entry.handle = self->spawn(job, id, std::move(spec),
                                   caf::actor_cast<registry_job_actor>(self),
                                   kind->launch, st.settings.jobs);
        auto handle = entry.handle;
        self->monitor(handle);
        st.jobs.emplace(id, std::move(entry));
        global_metrics().jobs_started++;
        JOBCAST_LOG_INFO("registry: job " << id << " is actor " << handle.id());
        if (kind->takes_slot)
          carry_out(self, st.slots.add(id));
        else
          start_job(self, id);
        // The job handles start/queued before this: its answer is current.
        return self->delegate(caf::actor_cast<job_viewer_actor>(handle),
                              info_atom_v);
      },
      [=](lookup_atom, job_id id) -> caf::result<job_client_actor> {
        auto& jobs = self->state.jobs;
        auto i = jobs.find(id);
        if (i == jobs.end())
          return caf::make_error(errc::unknown_job);
        return caf::actor_cast<job_client_actor>(i->second.handle);
      },
      [=](list_atom, const job_query& q) { return list_jobs(self, q); },
      [=](info_atom, job_id id) -> caf::result<job_info> {
        auto place = self->state.slots.place(id);
        if (!place)
          return delegate_to_job<job_info>(self, id, info_atom_v);
        auto rp = self->make_response_promise<job_info>();
        self->request(self->state.jobs[id].handle, caf::infinite, info_atom_v)
            .then(
                [=](job_info& info) mutable {
                  if (info.state == job_state::queued)
                    info.queue_position = *place;
                  rp.deliver(std::move(info));
                },
                [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](cancel_atom, job_id id) {
        JOBCAST_LOG_INFO("registry: cancel job " << id);
        return delegate_to_job<job_info>(self, id, cancel_atom_v);
      },
      [=](publish_atom, job_id id, std::string& hash, event_batch& batch) {
        return delegate_to_job<seq_list>(self, id, publish_atom_v,
                                         std::move(hash), std::move(batch));
      },
      [=](finish_atom, job_id id, std::string& hash, job_state state,
          std::string& text) {
        return delegate_to_job<job_info>(
            self, id, finish_atom_v, std::move(hash), state, std::move(text));
      },
      [=](summary_atom, job_info& info) {
        auto& st = self->state;
        auto i = st.jobs.find(info.id);
        if (i != st.jobs.end() && !i->second.finished)
          i->second.summary = std::move(info);
      },
      [=](finished_atom, job_info& info, std::uint64_t bytes) {
        auto& st = self->state;
        auto id = info.id;
        auto i = st.jobs.find(id);
        if (i == st.jobs.end() || i->second.finished)
          return;
        i->second.finished = true;
        i->second.summary = std::move(info);
        release(self, id);
        // Retention ends in finishing order, so one timer for the oldest
        // does for all of them; the idle check, if any, is over.
        st.timers.set(id, self->clock().now() + st.settings.retention);
        // Over the limit, the oldest finished jobs go first; running jobs
        // never.
        for (auto oldest : st.retained.add(id, bytes))
          forget(self, oldest, "evicted");
        rearm(self);
      },
      [=](expire_atom) {
        auto& st = self->state;
        st.timers.fired();
        for (auto id : st.timers.take_due(self->clock().now())) {
          auto i = st.jobs.find(id);
          if (i == st.jobs.end())
            continue;
          if (i->second.finished) {
            st.retained.remove(id);
            forget(self, id, "expired");
          } else {
            // The job answers with when to ask again, or ends.
            self->send(i->second.handle, idle_atom_v);
          }
        }
        rearm(self);
      },
      [=](idle_atom, job_id id, caf::timespan after) {
        auto& st = self->state;
        auto i = st.jobs.find(id);
        if (i == st.jobs.end() || i->second.finished)
          return;
        st.timers.set(id, self->clock().now() + after);
        rearm(self);
      },
      [=](budget_atom) { budget_round(self); },
  };
}

} // namespace jobcast
