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

void patch_positions(registry_pointer self, std::vector<job_info>& infos);

/// Asks every job for its info and delivers them all at once, newest first.
caf::result<std::vector<job_info>> list_jobs(registry_pointer self) {
  auto& jobs = self->state.jobs;
  if (jobs.empty())
    return std::vector<job_info>{};
  struct gather {
    std::vector<job_info> infos;
    std::size_t pending;
    caf::typed_response_promise<std::vector<job_info>> promise;
  };
  auto acc = std::make_shared<gather>();
  acc->pending = jobs.size();
  acc->promise = self->make_response_promise<std::vector<job_info>>();
  auto done = [self, acc] {
    if (--acc->pending > 0)
      return;
    patch_positions(self, acc->infos);
    std::sort(acc->infos.begin(), acc->infos.end(),
              [](const job_info& x, const job_info& y) { return x.id > y.id; });
    acc->promise.deliver(std::move(acc->infos));
  };
  for (auto& kvp : jobs)
    self->request(kvp.second, caf::infinite, info_atom::value)
        .then(
            [acc, done](job_info& info) {
              acc->infos.push_back(std::move(info));
              done();
            },
            [done](caf::error&) { done(); });
  return acc->promise;
}

/// Tells queued jobs from place `from` on how many jobs are ahead of them:
/// only those at a place a job records (the last 16 and powers of two), or
/// every move of a long queue would cost a message per queued job. The
/// registry puts the exact place into every info it answers.
void announce_queue(registry_pointer self, std::size_t from = 0) {
  auto& st = self->state;
  auto tell = [&](std::size_t ahead) {
    self->send(st.jobs[st.queue[ahead]], queued_atom::value,
               static_cast<std::uint32_t>(ahead));
  };
  auto n = st.queue.size();
  for (auto ahead = from; ahead < std::min<std::size_t>(n, 16); ++ahead)
    tell(ahead);
  for (std::size_t ahead = 16; ahead < n; ahead *= 2)
    if (ahead >= from)
      tell(ahead);
}

/// Jobs ahead of job `id`, if it is queued.
std::optional<std::uint32_t> queue_position(registry_pointer self, job_id id) {
  auto& queue = self->state.queue;
  auto i = std::find(queue.begin(), queue.end(), id);
  if (i == queue.end())
    return std::nullopt;
  return static_cast<std::uint32_t>(i - queue.begin());
}

/// Puts the exact queue places into `infos` (jobs hear of only some moves).
void patch_positions(registry_pointer self, std::vector<job_info>& infos) {
  auto& queue = self->state.queue;
  std::unordered_map<job_id, std::uint32_t> places;
  for (std::size_t i = 0; i < queue.size(); ++i)
    places.emplace(queue[i], static_cast<std::uint32_t>(i));
  for (auto& info : infos) {
    auto i = places.find(info.id);
    if (i != places.end() && info.state == job_state::queued)
      info.queue_position = i->second;
  }
}

/// Lets queued jobs run while worker slots are free.
void admit(registry_pointer self) {
  auto& st = self->state;
  auto moved = false;
  while (st.running.size() < st.settings.workers && !st.queue.empty()) {
    auto id = st.queue.front();
    st.queue.pop_front();
    st.running.insert(id);
    self->send(st.jobs[id], start_atom::value);
    moved = true;
  }
  if (moved)
    announce_queue(self);
}

/// Frees whatever job `id` held: its worker slot or its place in the queue.
void release(registry_pointer self, job_id id) {
  auto& st = self->state;
  if (st.running.erase(id) > 0) {
    admit(self);
    return;
  }
  auto i = std::find(st.queue.begin(), st.queue.end(), id);
  if (i != st.queue.end()) {
    auto from = static_cast<std::size_t>(i - st.queue.begin());
    st.queue.erase(i);
    announce_queue(self, from);
  }
}

/// Stops a finished job and drops it from the registry.
void forget(registry_pointer self, job_id id, const char* why) {
  auto& jobs = self->state.jobs;
  auto i = jobs.find(id);
  if (i == jobs.end())
    return;
  JOBCAST_LOG_INFO("registry: job " << id << " " << why);
  self->demonitor(i->second.address());
  self->send_exit(i->second, caf::exit_reason::user_shutdown);
  jobs.erase(i);
}

/// Forwards a request for job `id` to its job actor, or fails.
template <class T, class... Ts>
caf::result<T> delegate_to_job(registry_pointer self, job_id id, Ts&&... xs) {
  auto& jobs = self->state.jobs;
  auto i = jobs.find(id);
  if (i == jobs.end())
    return make_error(errc::unknown_job);
  return self->delegate(i->second, std::forward<Ts>(xs)...);
}

} // namespace

registry_actor::behavior_type registry(registry_pointer self,
                                       registry_settings settings) {
  self->state.settings = std::move(settings);
  if (self->state.settings.workers == 0)
    self->state.settings.workers = 1;
  JOBCAST_LOG_INFO("registry spawned with " << self->state.settings.workers
                                            << " worker slots");
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& jobs = self->state.jobs;
    for (auto i = jobs.begin(); i != jobs.end(); ++i) {
      if (i->second.address() == msg.source) {
        auto id = i->first;
        JOBCAST_LOG_INFO("registry: job "
                         << id << " down: " << to_string(msg.reason));
        jobs.erase(i);
        release(self, id);
        return;
      }
    }
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    JOBCAST_LOG_INFO("registry: stopping " << self->state.jobs.size()
                                           << " jobs");
    for (auto& kvp : self->state.jobs)
      self->send_exit(kvp.second, msg.reason);
    self->quit(msg.reason);
  });
  return {
      [=](start_atom, job_spec& spec) -> caf::result<job_info> {
        auto& st = self->state;
        auto kind = st.settings.kinds.find(spec.kind);
        if (kind == st.settings.kinds.end())
          return make_error(errc::unknown_kind);
        auto id = st.next_id++;
        auto handle = self->spawn(job, id, std::move(spec),
                                  caf::actor_cast<registry_actor>(self),
                                  kind->second, st.settings.jobs);
        self->monitor(handle);
        st.jobs.emplace(id, handle);
        st.queue.push_back(id);
        global_metrics().jobs_started++;
        JOBCAST_LOG_INFO("registry: job " << id << " is actor " << handle.id());
        admit(self);
        // A new job always hears its first place: last in the queue, unless
        // it was let in at once.
        if (!st.running.count(id))
          self->send(handle, queued_atom::value,
                     static_cast<std::uint32_t>(st.queue.size() - 1));
        // The job handles start/queued before this: its answer is current.
        return self->delegate(handle, info_atom::value);
      },
      [=](lookup_atom, job_id id) -> caf::result<job_actor> {
        auto& jobs = self->state.jobs;
        auto i = jobs.find(id);
        if (i == jobs.end())
          return make_error(errc::unknown_job);
        return i->second;
      },
      [=](list_atom) { return list_jobs(self); },
      [=](info_atom, job_id id) -> caf::result<job_info> {
        auto place = queue_position(self, id);
        if (!place)
          return delegate_to_job<job_info>(self, id, info_atom::value);
        auto rp = self->make_response_promise<job_info>();
        self->request(self->state.jobs[id], caf::infinite, info_atom::value)
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
        return delegate_to_job<job_info>(self, id, cancel_atom::value);
      },
      [=](publish_atom, job_id id, std::string& hash, event_batch& batch) {
        return delegate_to_job<seq_list>(self, id, publish_atom::value,
                                         std::move(hash), std::move(batch));
      },
      [=](finish_atom, job_id id, std::string& hash, job_state state,
          std::string& text) {
        return delegate_to_job<job_info>(self, id, finish_atom::value,
                                         std::move(hash), state,
                                         std::move(text));
      },
      [=](finished_atom, job_id id, job_state) {
        auto& st = self->state;
        release(self, id);
        st.retained.push_back(id);
        // Over the limit, the oldest finished jobs go first; running jobs
        // never.
        while (st.retained.size() > st.settings.max_retained) {
          auto oldest = st.retained.front();
          st.retained.pop_front();
          forget(self, oldest, "evicted");
        }
        self->delayed_send(self, st.settings.retention, expire_atom::value, id);
      },
      [=](expire_atom, job_id id) {
        auto& retained = self->state.retained;
        auto i = std::find(retained.begin(), retained.end(), id);
        if (i != retained.end())
          retained.erase(i);
        forget(self, id, "expired");
      },
  };
}

} // namespace jobcast
