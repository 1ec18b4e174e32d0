#pragma once

// The registry, job and subscriber actors on CAF's deterministic test
// coordinator (caf/test/dsl.hpp): every message is handled on the test's
// thread when the test says so (`sched.run()`), and time is the actor
// clock's, which moves only when the test advances it. Retention, idle
// timeouts, summaries and the demo job's ticks are all delayed messages on
// that clock: nothing sleeps, nothing polls, and a timer fires at exactly
// the instant the test picks.
//
// `sched.run()` handles messages only; it never fires a timer. (The
// fixture's own `run()` also triggers every pending timeout, which would
// end every retention at once: the tests do not use it.)

#include "actors/demo.hpp"
#include "actors/job.hpp"
#include "actors/registry.hpp"
#include "actors/subscriber.hpp"

#include <caf/test/dsl.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobcast::testing {

using namespace std::chrono_literals;

/// A job kind whose worker does nothing: the test publishes by hand.
inline worker_launcher manual_job() {
  return [](caf::local_actor*, const job_publisher_actor&) {
    return caf::actor{};
  };
}

/// A job kind whose worker dies at once with an error.
inline worker_launcher crashing_job() {
  return [](caf::local_actor* self, const job_publisher_actor&) {
    // An argument, so that CAF 0.17 has a tuple to apply (see gateway.cpp).
    return caf::actor{
        self->spawn([](caf::event_based_actor* worker,
                       int) { worker->quit(caf::sec::runtime_error); },
                    0)};
  };
}

/// Records what a subscriber actor hands over. Single-threaded: on the test
/// coordinator the subscriber runs on the test's thread.
class recording_sink : public event_sink {
public:
  void opened(const job_info& info) override {
    opened_info = info;
    ++opened_count;
  }
  void replay(const event_page& page, bool up_to_date) override {
    events.insert(events.end(), page->begin(), page->end());
    pages.push_back(page->size());
    caught_up = up_to_date;
  }
  void deliver(const event_ptr& ev) override { events.push_back(ev); }
  std::uint64_t page_bytes() const override { return bytes_per_page; }
  void closed(stream_close why) override {
    closed_with = why;
    ++closed_count;
  }

  std::vector<std::string> texts() const {
    std::vector<std::string> result;
    for (auto& ev : events)
      result.push_back(std::string{ev->text()});
    return result;
  }
  std::vector<std::uint64_t> seqs() const {
    std::vector<std::uint64_t> result;
    for (auto& ev : events)
      result.push_back(ev->seq());
    return result;
  }

  std::uint64_t bytes_per_page = 64 * 1024;
  std::optional<job_info> opened_info;
  int opened_count = 0;
  std::vector<event_ptr> events;
  std::vector<std::size_t> pages;
  bool caught_up = false;
  std::optional<stream_close> closed_with;
  int closed_count = 0;
};

/// The jobcast code of an error, as a number to compare with `code(errc)`.
inline int code(const caf::error& err) {
  return jobcast_code(err);
}
inline int code(errc x) {
  return static_cast<int>(x);
}

struct fixture : test_coordinator_fixture<> {
  /// The kinds every test registry knows. "manual" waits for a worker
  /// slot, as commands do; the others never.
  static registry_settings settings(caf::timespan retention = 10min,
                                    std::size_t workers = 8,
                                    caf::timespan idle_timeout = 10min) {
    registry_settings result;
    result.kinds.add({"manual", manual_job(), true});
    result.kinds.add({"free", manual_job(), false});
    result.kinds.add({"crash", crashing_job(), false});
    result.kinds.add({"demo", demo_job(10ms), false});
    result.kinds.add({"external", external_job(), false, true});
    result.retention = retention;
    result.workers = workers;
    result.jobs.idle_timeout = idle_timeout;
    return result;
  }

  ~fixture() override {
    if (reg) {
      self->send_exit(reg, caf::exit_reason::user_shutdown);
      sched.run();
    }
  }

  void spawn_registry(registry_settings s) {
    reg = sys.spawn(registry, std::move(s));
    sched.run();
  }

  void spawn_registry(caf::timespan retention = 10min, std::size_t workers = 8,
                      caf::timespan idle_timeout = 10min) {
    spawn_registry(settings(retention, workers, idle_timeout));
  }

  /// Sends a request from a fresh actor, handles every message there is
  /// (no timers), and returns the reply: a value, an error, or none if
  /// nothing answered yet (the answer waits for a timer or a release).
  template <class T, class Handle, class... Ts>
  std::shared_ptr<std::optional<caf::expected<T>>> ask_later(Handle dest,
                                                             Ts... xs) {
    auto box = std::make_shared<std::optional<caf::expected<T>>>();
    sys.spawn([box, dest, xs...](caf::event_based_actor* client) {
      client->request(dest, caf::infinite, xs...)
          .then([box](T& x) { *box = std::move(x); },
                [box](caf::error& err) { *box = std::move(err); });
    });
    sched.run();
    return box;
  }

  /// As `ask_later`, but the reply must be there.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(Handle dest, Ts... xs) {
    auto box = ask_later<T>(std::move(dest), std::move(xs)...);
    CAF_REQUIRE(box->has_value());
    return std::move(**box);
  }

  /// As `ask`, but the reply must be a value.
  template <class T, class Handle, class... Ts> T value(Handle dest, Ts... xs) {
    auto res = ask<T>(std::move(dest), std::move(xs)...);
    if (!res)
      CAF_FAIL("expected a value, got " << sys.render(res.error()));
    return std::move(*res);
  }

  /// As `ask`, but the reply must be an error; returns its jobcast code.
  template <class T, class Handle, class... Ts>
  int refusal(Handle dest, Ts... xs) {
    auto res = ask<T>(std::move(dest), std::move(xs)...);
    if (res)
      CAF_FAIL("expected an error, got a value");
    return code(res.error());
  }

  job_info start(const std::string& kind, std::string hash = {}) {
    return value<job_info>(reg, start_atom_v, job_spec{kind, "t", hash});
  }

  job_client_actor lookup(job_id id) {
    return value<job_client_actor>(reg, lookup_atom_v, id);
  }

  bool known(job_id id) {
    return static_cast<bool>(ask<job_client_actor>(reg, lookup_atom_v, id));
  }

  /// Publishes as the job's own worker; returns the first sequence number.
  std::uint64_t publish(const job_client_actor& job, std::string text) {
    event_batch batch{event_input{std::move(text), 0.5, false}};
    auto seqs = value<seq_list>(job, publish_atom_v, std::move(batch));
    CAF_REQUIRE_EQUAL(seqs.size(), 1u);
    return seqs.front();
  }

  /// Publishes through the registry with a token hash, as the HTTP front
  /// end does.
  caf::expected<seq_list> publish_as(job_id id, const std::string& hash) {
    event_batch batch{event_input{"from outside", -1.0, false}};
    return ask<seq_list>(reg, publish_atom_v, id, hash, std::move(batch));
  }

  caf::expected<std::uint64_t> finish(const job_client_actor& job,
                                      job_state state) {
    return ask<std::uint64_t>(job, finish_atom_v, state, std::string{"bye"});
  }

  /// A job's own snapshot.
  job_info info(const job_client_actor& job) {
    return value<job_info>(job, info_atom_v);
  }

  /// A job's snapshot as the HTTP front end sees it (through the registry).
  job_info registry_info(job_id id) {
    return value<job_info>(reg, info_atom_v, id);
  }

  job_listing list(job_query q = {}) {
    return value<job_listing>(reg, list_atom_v, q);
  }

  /// A subscriber for job `id` from `from`, writing to a new sink.
  std::pair<subscriber_actor, std::shared_ptr<recording_sink>>
  subscribe(job_id id, resume_point from = {}) {
    auto sink = std::make_shared<recording_sink>();
    auto sub =
        sys.spawn(subscriber, caf::actor_cast<registry_client_actor>(reg), id,
                  from, sink);
    sched.run();
    return {sub, sink};
  }

  /// Moves the actor clock on by `d`, fires the timers that are due, and
  /// handles what they set off.
  void wait(caf::timespan d) {
    sched.clock().advance_time(d);
    sched.run();
  }

  registry_actor reg;
};

} // namespace jobcast::testing
