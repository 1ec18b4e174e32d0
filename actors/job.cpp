#include "actors/job.hpp"

#include "actors/constant_time.hpp"
#include "actors/history_budget.hpp"
#include "actors/log.hpp"
#include "actors/metrics.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <optional>

namespace jobcast {

job_data::~job_data() {
  global_metrics().history_bytes -= static_cast<std::int64_t>(history_bytes);
}

namespace {

/// Counts `ev` against the history budget. Every event adds to one shared
/// gauge, an atomic add; a job that sees the gauge past the limit tells the
/// registry, once until the registry's next budget round asks for its size.
/// The registry then decides from sizes the jobs report, not from the
/// gauge. The alternative, the registry keeping every job's size from
/// reported deltas, costs a message per event or per batch of events to the
/// one registry and lets the total run over by the unreported batches of
/// every running job; this costs nothing but the add while under the limit.
void charge(job_pointer self, const event& ev) {
  auto& st = self->state;
  auto bytes = history_budget::cost(ev.text().size());
  st.history_bytes += bytes;
  auto total = global_metrics().history_bytes.fetch_add(
                   static_cast<std::int64_t>(bytes)) +
               static_cast<std::int64_t>(bytes);
  if (!st.budget_reported &&
      static_cast<std::uint64_t>(total) > st.options.history_limit) {
    st.budget_reported = true;
    self->send(st.registry, budget_atom_v);
  }
}

/// Drops the oldest event of the history; resumers get a `gap` for it.
void drop_oldest(job_pointer self) {
  auto& st = self->state;
  auto bytes = history_budget::cost(st.history.front()->text().size());
  st.history.pop_front();
  ++st.dropped;
  st.history_bytes -= bytes;
  global_metrics().history_bytes -= static_cast<std::int64_t>(bytes);
}

/// The job's info with its live subscriber count.
job_info snapshot(job_pointer self) {
  auto result = self->state.info;
  result.subscribers =
      static_cast<std::uint32_t>(self->state.subscribers.size());
  return result;
}

/// Sends the registry the job's summary now (a change of state).
void report_now(job_pointer self) {
  auto& st = self->state;
  st.summary_dirty = false;
  self->send(st.registry, summary_atom_v, snapshot(self));
}

/// Notes a change the job list shows (progress, events, viewers). It
/// reaches the registry within `summary_interval`: one message per job per
/// interval however busy it is, not one per event.
void report_later(job_pointer self) {
  auto& st = self->state;
  st.summary_dirty = true;
  if (st.report_pending || is_final(st.info.state))
    return;
  st.report_pending = true;
  self->delayed_send(self, st.options.summary_interval, report_atom_v);
}

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
  report_later(self);
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
  charge(self, *ev);
  if (st.history.size() > st.options.max_events)
    drop_oldest(self);
  st.info.events = seq;
  if (ev->has_progress())
    st.info.progress = ev->progress();
  report_later(self);
  global_metrics().events_published++;
  if (receipt)
    for (auto& sub : st.subscribers)
      self->send(sub, ev, *receipt);
  else
    for (auto& sub : st.subscribers)
      self->send(sub, ev);
  return seq;
}

std::uint64_t end_job(job_pointer self, job_state final_state,
                      std::string text) {
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
  st.summary_dirty = false;
  self->send(st.registry, finished_atom_v, snapshot(self), st.history_bytes);
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
  st.last_activity = self->clock().now();
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

void start(job_pointer self) {
  auto& st = self->state;
  if (st.info.state != job_state::queued)
    return;
  auto was_queued = !st.history.empty();
  st.info.state = job_state::running;
  st.info.started_ms = now_ms();
  st.info.queue_position = 0;
  st.last_activity = self->clock().now();
  JOBCAST_LOG_INFO("job " << st.info.id << " started");
  if (was_queued)
    broadcast(self, event_type::status, "started");
  report_now(self);
  // An external job's idle checks come from the registry: see idle_atom.
  if (st.launch)
    st.worker = st.launch(self, caf::actor_cast<job_publisher_actor>(self));
  if (st.worker)
    self->monitor(st.worker);
}

/// Adds to `page` the kept events after `after`, about `page_bytes` of text
/// at most (one event at least). A page that reaches the newest event makes
/// `sub` a live subscriber in the same step, so that it misses nothing and
/// gets nothing twice; until then the viewer costs the job nothing.
void fill_page(job_pointer self, subscriber_actor& sub, std::uint64_t after,
               std::uint64_t page_bytes, history_page& page) {
  auto& st = self->state;
  if (after < st.dropped) {
    // The viewer wants events no longer kept: say so, then give all.
    page.events.push_back(std::make_shared<const event>(
        st.dropped, event_type::gap,
        std::to_string(st.dropped - after) +
            " earlier events were dropped from the history",
        event::no_progress, st.info.state));
    after = st.dropped;
  }
  // What an event costs a viewer beyond its text, roughly: its JSON fields
  // and framing.
  constexpr std::uint64_t overhead = 128;
  std::uint64_t bytes = 0;
  auto i = std::min<std::uint64_t>(after - st.dropped, st.history.size());
  for (; i < st.history.size() && (bytes < page_bytes || page.events.empty());
       ++i) {
    bytes += st.history[i]->text().size() + overhead;
    page.events.push_back(st.history[i]);
  }
  if (i < st.history.size())
    return;
  page.caught_up = true;
  if (is_final(st.info.state) || st.index.count(sub.address()) > 0)
    return;
  self->monitor(sub);
  st.index.emplace(sub.address(), st.subscribers.size());
  st.subscribers.push_back(std::move(sub));
  report_later(self);
}

/// Why a viewer's resume point does not belong to the job's current
/// history, if it does not. A finished job's end is as far as a resume point
/// can go: past it there is nothing more to send, not a reset.
std::optional<std::string> misplaced(const job_data& st,
                                     const resume_point& from) {
  if (!from.readable)
    return "the resume point is not an event id; replaying from the start";
  if (from.epoch != 0 && from.epoch != process_epoch())
    return "the resume point belongs to an earlier instance of this job; "
           "replaying from the start";
  auto newest = st.dropped + st.history.size();
  if (from.after > newest && !is_final(st.info.state))
    return "the resume point is ahead of the job's newest event; replaying "
           "from the start";
  return std::nullopt;
}

} // namespace

job_actor::behavior_type job(job_pointer self, job_id id, job_spec spec,
                             registry_job_actor registry,
                             worker_launcher launch, job_options options) {
  auto& st = self->state;
  st.info.id = id;
  st.info.kind = std::move(spec.kind);
  st.info.title = std::move(spec.title);
  st.info.created_ms = now_ms();
  st.info.state = job_state::queued;
  st.token_hash = std::move(spec.token_hash);
  st.launch = std::move(launch);
  st.options = options;
  st.registry = registry;
  JOBCAST_LOG_INFO("job " << id << " spawned: kind " << st.info.kind);
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.worker && msg.source == st.worker.address()) {
      st.worker = nullptr;
      if (!is_final(st.info.state)) {
        JOBCAST_LOG_WARNING("job " << st.info.id << ": worker stopped early: "
                                   << to_string(msg.reason));
        end_job(self, job_state::failed,
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
      [=](subscribe_atom, subscriber_actor sub, resume_point from,
          std::uint64_t page_bytes) -> caf::result<subscription> {
        auto& st = self->state;
        JOBCAST_LOG_INFO("job " << st.info.id << ": subscribe from actor "
                                << sub.id() << " after event " << from.after);
        if (!is_final(st.info.state) &&
            st.subscribers.size() >= st.options.max_subscribers)
          return caf::result<subscription>{caf::make_error(errc::too_many)};
        subscription result;
        auto after = from.after;
        if (auto why = misplaced(st, from)) {
          // Never a hang and never a silent skip: say so, then replay all.
          result.page.events.push_back(std::make_shared<const event>(
              0, event_type::reset, std::move(*why), event::no_progress,
              st.info.state));
          after = 0;
        }
        fill_page(self, sub, after, page_bytes, result.page);
        result.info = st.info;
        result.info.subscribers =
            static_cast<std::uint32_t>(st.subscribers.size());
        return result;
      },
      [=](replay_atom, subscriber_actor sub, std::uint64_t after,
          std::uint64_t page_bytes) {
        history_page page;
        fill_page(self, sub, after, page_bytes, page);
        return page;
      },
      [=](publish_atom, event_batch& batch) -> caf::result<seq_list> {
        if (auto why = refuses_events(self))
          return caf::make_error(*why);
        return publish(self, batch);
      },
      [=](publish_atom, const std::string& hash,
          event_batch& batch) -> caf::result<seq_list> {
        if (!authorized(hash))
          return caf::make_error(errc::forbidden);
        if (auto why = refuses_events(self))
          return caf::make_error(*why);
        // The answer waits for the receipt: see delivery_receipt.
        auto& st = self->state;
        auto n = ++st.publishes;
        auto me = caf::actor_cast<job_actor>(self);
        delivery_receipt receipt{std::shared_ptr<void>(nullptr, [me, n](void*) {
          caf::anon_send(me, delivered_atom_v, n);
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
          return caf::make_error(errc::job_finished);
        return end_job(self, final_state, std::move(text));
      },
      [=](finish_atom, const std::string& hash, job_state final_state,
          std::string& text) -> caf::result<job_info> {
        if (!authorized(hash))
          return caf::make_error(errc::forbidden);
        if (is_final(self->state.info.state) || !is_final(final_state))
          return caf::make_error(errc::job_finished);
        end_job(self, final_state, std::move(text));
        return self->state.info;
      },
      [=](cancel_atom) -> caf::result<job_info> {
        auto& st = self->state;
        if (is_final(st.info.state))
          return caf::make_error(errc::job_finished);
        end_job(self, job_state::cancelled, "cancelled");
        return st.info;
      },
      [=](info_atom) { return snapshot(self); },
      [=](start_atom) { start(self); },
      [=](queued_atom, std::uint32_t ahead) {
        // The registry tells only the places worth an event
        // (scheduler::recorded); the exact place is in the registry's info.
        auto& st = self->state;
        if (st.info.state != job_state::queued ||
            (!st.history.empty() && st.info.queue_position == ahead))
          return;
        st.info.queue_position = ahead;
        broadcast(self, event_type::status,
                  "queued, " + std::to_string(ahead) + " ahead");
      },
      [=](idle_atom) {
        // The registry keeps the one timer: a delayed message of our own
        // would outlive this job (and keep its actor's memory) until due.
        auto& st = self->state;
        if (st.info.state != job_state::running)
          return;
        auto idle = self->clock().now() - st.last_activity;
        if (idle >= st.options.idle_timeout) {
          end_job(self, job_state::failed, "publisher went away");
          return;
        }
        self->send(st.registry, idle_atom_v, st.info.id,
                   caf::timespan{st.options.idle_timeout - idle});
      },
      [=](budget_atom) {
        auto& st = self->state;
        st.budget_reported = false;
        return st.history_bytes;
      },
      [=](report_atom) {
        auto& st = self->state;
        st.report_pending = false;
        if (st.summary_dirty && !is_final(st.info.state))
          report_now(self);
      },
      [=](trim_atom, std::uint64_t cap) {
        auto& st = self->state;
        // Finished jobs are the registry's to forget, whole.
        if (is_final(st.info.state))
          return;
        std::uint64_t n = 0;
        while (!st.history.empty() && st.history_bytes > cap) {
          drop_oldest(self);
          ++n;
        }
        if (n == 0)
          return;
        global_metrics().history_events_evicted += n;
        JOBCAST_LOG_INFO("job " << st.info.id << ": dropped " << n
                                << " events for the history budget");
      },
  };
}

} // namespace jobcast
