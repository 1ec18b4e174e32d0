// Unit tests of the registry, job and subscriber actors, in-process. Replies
// are awaited with scoped_actor; nothing sleeps.

#include "actors/demo.hpp"
#include "actors/job.hpp"
#include "actors/metrics.hpp"
#include "actors/registry.hpp"
#include "actors/subscriber.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <condition_variable>
#include <gtest/gtest.h>
#include <mutex>
#include <thread>

using namespace jobcast;
using namespace std::chrono_literals;

namespace {

/// A job kind whose worker does nothing: the test publishes by hand.
worker_launcher manual_job() {
  return [](caf::local_actor*, const job_actor&) { return caf::actor{}; };
}

/// A job kind whose worker dies at once with an error.
worker_launcher crashing_job() {
  return [](caf::local_actor* self, const job_actor&) {
    // An argument, so that CAF 0.17 has a tuple to apply (see gateway.cpp).
    return caf::actor{
        self->spawn([](caf::event_based_actor* worker,
                       int) { worker->quit(caf::sec::runtime_error); },
                    0)};
  };
}

/// Records what a subscriber actor hands over.
class recording_sink : public event_sink {
public:
  void opened(const job_info& info) override {
    std::lock_guard<std::mutex> guard{mtx_};
    info_ = info;
    opened_ = true;
    cv_.notify_all();
  }
  void deliver(const event_ptr& ev) override {
    std::lock_guard<std::mutex> guard{mtx_};
    events_.push_back(ev);
    cv_.notify_all();
  }
  void closed(stream_close why) override {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = why;
    cv_.notify_all();
  }

  /// Waits until `n` events arrived; returns their texts.
  std::vector<std::string> await_events(std::size_t n) {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, 10s, [&] { return events_.size() >= n; });
    std::vector<std::string> result;
    for (auto& ev : events_)
      result.push_back(ev->text());
    return result;
  }

  std::vector<std::uint64_t> seqs() {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<std::uint64_t> result;
    for (auto& ev : events_)
      result.push_back(ev->seq());
    return result;
  }

  std::optional<stream_close> await_closed() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, 10s, [&] { return closed_.has_value(); });
    return closed_;
  }

  bool was_opened() {
    std::lock_guard<std::mutex> guard{mtx_};
    return opened_;
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  job_info info_;
  bool opened_ = false;
  std::vector<event_ptr> events_;
  std::optional<stream_close> closed_;
};

class actors : public ::testing::Test {
protected:
  actors()
      : sys(cfg)
      , self(sys) {}

  ~actors() override { self->send_exit(reg, caf::exit_reason::user_shutdown); }

  void spawn_registry(caf::timespan retention = 10min, std::size_t workers = 8,
                      caf::timespan idle_timeout = 10min) {
    registry_settings settings;
    settings.kinds.emplace("manual", manual_job());
    settings.kinds.emplace("crash", crashing_job());
    settings.kinds.emplace("demo", demo_job(10ms));
    settings.kinds.emplace("external", external_job());
    settings.retention = retention;
    settings.workers = workers;
    settings.jobs.idle_timeout = idle_timeout;
    reg = sys.spawn(registry, settings);
  }

  /// Starts an external job whose token hash is `hash`.
  job_info start_external(const std::string& hash) {
    job_info result;
    self->request(reg, 10s, start_atom::value,
                  job_spec{"external", "ext", hash})
        .receive([&](job_info& info) { result = info; },
                 [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return result;
  }

  /// Publishes through the registry, as the HTTP front end does.
  caf::error publish_as(job_id id, const std::string& hash) {
    caf::error result;
    event_batch batch{event_input{"from outside", -1.0, false}};
    self->request(reg, 10s, publish_atom::value, id, hash, std::move(batch))
        .receive([](seq_list&) {}, [&](caf::error& err) { result = err; });
    return result;
  }

  job_info start(const std::string& kind) {
    job_info result;
    self->request(reg, 10s, start_atom::value, job_spec{kind, "t", {}})
        .receive([&](job_info& info) { result = info; },
                 [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return result;
  }

  job_actor lookup(job_id id) {
    job_actor result;
    self->request(reg, 10s, lookup_atom::value, id)
        .receive([&](job_actor& job) { result = job; }, [&](caf::error&) {});
    return result;
  }

  std::uint64_t publish(const job_actor& job, std::string text) {
    std::uint64_t result = 0;
    event_batch batch{event_input{std::move(text), 0.5, false}};
    self->request(job, 10s, publish_atom::value, std::move(batch))
        .receive([&](seq_list& seqs) { result = seqs.at(0); },
                 [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return result;
  }

  caf::error finish(const job_actor& job, job_state state) {
    caf::error result;
    self->request(job, 10s, finish_atom::value, state, std::string{"bye"})
        .receive([](std::uint64_t) {}, [&](caf::error& err) { result = err; });
    return result;
  }

  /// A job's info as the HTTP front end sees it (through the registry).
  job_info registry_info(job_id id) {
    job_info result;
    self->request(reg, 10s, info_atom::value, id)
        .receive([&](job_info& x) { result = x; },
                 [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
    return result;
  }

  job_info info(const job_actor& job) {
    job_info result;
    self->request(job, 10s, info_atom::value)
        .receive([&](job_info& x) { result = x; }, [](caf::error&) {});
    return result;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  registry_actor reg;
};

} // namespace

TEST_F(actors, registry_hands_out_consecutive_ids) {
  spawn_registry();
  EXPECT_EQ(start("manual").id, 1u);
  EXPECT_EQ(start("manual").id, 2u);
  auto third = start("demo");
  EXPECT_EQ(third.id, 3u);
  EXPECT_EQ(third.kind, "demo");
  EXPECT_EQ(third.state, job_state::running);
}

TEST_F(actors, registry_rejects_unknown_kinds_and_ids) {
  spawn_registry();
  self->request(reg, 10s, start_atom::value, job_spec{"nope", "", {}})
      .receive([](job_info&) { FAIL() << "started an unknown kind"; },
               [](caf::error& err) {
                 EXPECT_EQ(jobcast_code(err),
                           static_cast<std::uint8_t>(errc::unknown_kind));
               });
  self->request(reg, 10s, lookup_atom::value, job_id{42})
      .receive([](job_actor&) { FAIL() << "found a job that never was"; },
               [](caf::error& err) {
                 EXPECT_EQ(jobcast_code(err),
                           static_cast<std::uint8_t>(errc::unknown_job));
               });
}

TEST_F(actors, subscriber_gets_backlog_then_live_events_in_order) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  ASSERT_TRUE(job);
  EXPECT_EQ(publish(job, "one"), 1u);
  EXPECT_EQ(publish(job, "two"), 2u);
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{0}, sink);
  EXPECT_EQ(sink->await_events(2), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(sink->was_opened());
  publish(job, "three");
  EXPECT_EQ(sink->await_events(3),
            (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_FALSE(finish(job, job_state::succeeded));
  EXPECT_EQ(sink->await_events(4).size(), 4u);
  EXPECT_EQ(sink->seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  // Ended by the job's end event, not by a close.
  EXPECT_EQ(info(job).state, job_state::succeeded);
}

TEST_F(actors, subscriber_resumes_after_a_sequence_number) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  for (auto text : {"a", "b", "c"})
    publish(job, text);
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{2}, sink);
  EXPECT_EQ(sink->await_events(1), (std::vector<std::string>{"c"}));
  EXPECT_EQ(sink->seqs(), (std::vector<std::uint64_t>{3}));
}

TEST_F(actors, subscriber_for_unknown_job_is_told_so) {
  spawn_registry();
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, job_id{99}, std::uint64_t{0}, sink);
  EXPECT_EQ(sink->await_closed(), stream_close::unknown_job);
  EXPECT_FALSE(sink->was_opened());
}

TEST_F(actors, job_forgets_subscribers_that_go_away) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  auto sink = std::make_shared<recording_sink>();
  auto sub = sys.spawn(subscriber, reg, id, std::uint64_t{0}, sink);
  publish(job, "x");
  sink->await_events(1);
  EXPECT_EQ(info(job).subscribers, 1u);
  self->monitor(sub);
  self->send_exit(sub, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {});
  // The job hears of it through its own monitor, soon.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (info(job).subscribers != 0 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(info(job).subscribers, 0u);
  EXPECT_EQ(publish(job, "still going"), 2u);
}

TEST_F(actors, finished_job_rejects_more_events_and_cancel) {
  spawn_registry();
  auto job = lookup(start("manual").id);
  EXPECT_FALSE(finish(job, job_state::failed));
  auto err = finish(job, job_state::succeeded);
  EXPECT_EQ(jobcast_code(err), static_cast<std::uint8_t>(errc::job_finished));
  self->request(job, 10s, cancel_atom::value)
      .receive([](job_info&) { FAIL() << "cancelled a finished job"; },
               [](caf::error& err) {
                 EXPECT_EQ(jobcast_code(err),
                           static_cast<std::uint8_t>(errc::job_finished));
               });
}

TEST_F(actors, cancel_ends_the_job_for_every_subscriber) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{0}, sink);
  publish(job, "working");
  sink->await_events(1);
  self->request(job, 10s, cancel_atom::value)
      .receive(
          [](job_info& info) { EXPECT_EQ(info.state, job_state::cancelled); },
          [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  EXPECT_EQ(sink->await_events(2).back(), "cancelled");
}

TEST_F(actors, demo_job_reports_the_seed_lines_with_progress) {
  spawn_registry();
  auto id = start("demo").id;
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{0}, sink);
  auto texts = sink->await_events(4);
  ASSERT_EQ(texts.size(), 4u);
  EXPECT_EQ(texts[0], "Did something");
  EXPECT_EQ(texts[1], "Did something else");
  EXPECT_EQ(texts[2], "All done");
  EXPECT_EQ(info(lookup(id)).state, job_state::succeeded);
  EXPECT_DOUBLE_EQ(info(lookup(id)).progress, 1.0);
}

TEST_F(actors, job_whose_worker_dies_fails_with_the_reason) {
  spawn_registry();
  auto id = start("crash").id;
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{0}, sink);
  auto texts = sink->await_events(1);
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("worker stopped"), std::string::npos);
  EXPECT_EQ(info(lookup(id)).state, job_state::failed);
}

TEST_F(actors, registry_forgets_finished_jobs_after_retention) {
  spawn_registry(50ms);
  auto id = start("manual").id;
  auto job = lookup(id);
  self->monitor(job);
  EXPECT_FALSE(finish(job, job_state::succeeded));
  // Still there right after the end...
  EXPECT_TRUE(lookup(id));
  // ...until the registry stops it at the end of the retention period.
  self->receive([](caf::down_msg&) {});
  EXPECT_FALSE(lookup(id));
}

TEST_F(actors, listing_is_newest_first) {
  spawn_registry();
  start("manual");
  start("manual");
  std::vector<job_id> ids;
  self->request(reg, 10s, list_atom::value)
      .receive(
          [&](std::vector<job_info>& infos) {
            for (auto& x : infos)
              ids.push_back(x.id);
          },
          [](caf::error&) {});
  EXPECT_EQ(ids, (std::vector<job_id>{2, 1}));
}

TEST_F(actors, pool_runs_at_most_workers_jobs_and_queues_the_rest_fifo) {
  spawn_registry(10min, 1);
  auto first = start("manual");
  auto second = start("manual");
  auto third = start("manual");
  EXPECT_EQ(first.state, job_state::running);
  EXPECT_EQ(second.state, job_state::queued);
  EXPECT_EQ(second.queue_position, 0u);
  EXPECT_EQ(third.queue_position, 1u);
  // Ending the first lets the second run, and the third moves up.
  EXPECT_FALSE(finish(lookup(first.id), job_state::succeeded));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (info(lookup(second.id)).state != job_state::running &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(5ms);
  EXPECT_EQ(info(lookup(second.id)).state, job_state::running);
  EXPECT_EQ(info(lookup(third.id)).state, job_state::queued);
  EXPECT_EQ(info(lookup(third.id)).queue_position, 0u);
  // Cancelling a queued job frees its place without taking a slot.
  self->request(lookup(third.id), 10s, cancel_atom::value)
      .receive([](job_info&) {}, [](caf::error&) {});
  auto fourth = start("manual");
  EXPECT_EQ(fourth.state, job_state::queued);
  EXPECT_EQ(fourth.queue_position, 0u);
}

TEST_F(actors, queued_job_tells_viewers_where_it_stands) {
  spawn_registry(10min, 1);
  start("manual");
  auto waiting = start("manual");
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, waiting.id, std::uint64_t{0}, sink);
  EXPECT_EQ(sink->await_events(1), std::vector<std::string>{"queued, 0 ahead"});
  EXPECT_FALSE(finish(lookup(1), job_state::succeeded));
  EXPECT_EQ(sink->await_events(2),
            (std::vector<std::string>{"queued, 0 ahead", "started"}));
}

TEST_F(actors, external_job_accepts_only_its_token_hash) {
  spawn_registry();
  auto id = start_external("hash-of-secret").id;
  EXPECT_FALSE(publish_as(id, "hash-of-secret"));
  EXPECT_EQ(jobcast_code(publish_as(id, "hash-of-guess!")),
            static_cast<std::uint8_t>(errc::forbidden));
  EXPECT_EQ(jobcast_code(publish_as(id, "")),
            static_cast<std::uint8_t>(errc::forbidden));
  // A job fed by its own worker accepts no outside publisher at all.
  auto manual = start("manual").id;
  EXPECT_EQ(jobcast_code(publish_as(manual, "")),
            static_cast<std::uint8_t>(errc::forbidden));
  EXPECT_EQ(jobcast_code(publish_as(999, "x")),
            static_cast<std::uint8_t>(errc::unknown_job));
}

TEST_F(actors, silent_publisher_fails_its_job) {
  spawn_registry(10min, 8, 100ms);
  auto id = start_external("h").id;
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{0}, sink);
  EXPECT_EQ(sink->await_events(1),
            std::vector<std::string>{"publisher went away"});
  EXPECT_EQ(info(lookup(id)).state, job_state::failed);
}

TEST(constant_time_equal, compares_whole_strings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST_F(actors, job_actor_that_dies_ends_its_streams_as_failed) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  auto sink = std::make_shared<recording_sink>();
  // Held, as a connection holds its subscriber: an actor nobody references
  // any more is gone before it could read its mail.
  auto sub = sys.spawn(subscriber, reg, id, std::uint64_t{0}, sink);
  publish(job, "working");
  sink->await_events(1);
  self->send_exit(job, caf::sec::runtime_error);
  auto texts = sink->await_events(2);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_NE(texts[1].find("job failed"), std::string::npos);
  EXPECT_EQ(sink->seqs(), (std::vector<std::uint64_t>{1, 2}));
}

TEST_F(actors, job_turns_away_subscribers_past_its_limit) {
  registry_settings settings;
  settings.kinds.emplace("manual", manual_job());
  settings.jobs.max_subscribers = 1;
  reg = sys.spawn(registry, settings);
  auto id = start("manual").id;
  auto first = std::make_shared<recording_sink>();
  auto second = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{0}, first);
  publish(lookup(id), "x");
  first->await_events(1);
  sys.spawn(subscriber, reg, id, std::uint64_t{0}, second);
  EXPECT_EQ(second->await_closed(), stream_close::overloaded);
}

TEST_F(actors, history_drops_old_events_and_resumers_get_a_gap) {
  registry_settings settings;
  settings.kinds.emplace("manual", manual_job());
  settings.jobs.max_events = 2;
  reg = sys.spawn(registry, settings);
  auto id = start("manual").id;
  for (auto text : {"a", "b", "c", "d"})
    publish(lookup(id), text);
  auto sink = std::make_shared<recording_sink>();
  sys.spawn(subscriber, reg, id, std::uint64_t{1}, sink);
  auto texts = sink->await_events(3);
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[0], "1 earlier events were dropped from the history");
  EXPECT_EQ(sink->seqs(), (std::vector<std::uint64_t>{2, 3, 4}));
}

TEST_F(actors, registry_evicts_the_oldest_finished_jobs_first) {
  registry_settings settings;
  settings.kinds.emplace("manual", manual_job());
  settings.max_retained = 1;
  reg = sys.spawn(registry, settings);
  auto running = start("manual").id;
  auto a = start("manual").id;
  auto b = start("manual").id;
  auto job_a = lookup(a);
  self->monitor(job_a);
  EXPECT_FALSE(finish(job_a, job_state::succeeded));
  EXPECT_FALSE(finish(lookup(b), job_state::succeeded));
  self->receive([](caf::down_msg&) {}); // a is evicted...
  EXPECT_FALSE(lookup(a));
  EXPECT_TRUE(lookup(b));       // ...b is the one finished job kept...
  EXPECT_TRUE(lookup(running)); // ...and running jobs are never evicted.
}

TEST_F(actors, a_long_queue_records_few_status_events_per_job) {
  spawn_registry(10min, 1);
  std::vector<job_id> ids;
  for (int i = 0; i < 101; ++i)
    ids.push_back(start("manual").id);
  // Let the first 60 run and finish, one after the other.
  for (int i = 0; i < 60; ++i) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (info(lookup(ids[i])).state != job_state::running &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    EXPECT_FALSE(finish(lookup(ids[i]), job_state::succeeded));
  }
  auto last = registry_info(ids.back());
  EXPECT_EQ(last.state, job_state::queued);
  // Exact, although the job itself heard only of some of its moves.
  EXPECT_EQ(last.queue_position, 39u);
  // It moved 60 places but recorded only: 99 (first), 64, 32 — not 60 events.
  EXPECT_LE(last.events, 4u);
  // The job list has the exact places too.
  std::vector<job_info> all;
  self->request(reg, 10s, list_atom::value)
      .receive([&](std::vector<job_info>& xs) { all = xs; },
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().id, ids.back());
  EXPECT_EQ(all.front().queue_position, 39u);
  EXPECT_EQ(all[1].queue_position, 38u);
}

namespace {

/// Where a test subscriber keeps the receipts it is given.
struct receipt_box {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<delivery_receipt> receipts;

  void put(const delivery_receipt& r) {
    std::lock_guard<std::mutex> guard{mtx};
    receipts.push_back(r);
    cv.notify_all();
  }
  bool await_one() {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 10s, [&] { return !receipts.empty(); });
  }
  void release() {
    std::lock_guard<std::mutex> guard{mtx};
    receipts.clear();
  }
};

/// A subscriber that holds on to each receipt until the test lets go.
subscriber_actor::behavior_type
receipt_holder(subscriber_actor::pointer, std::shared_ptr<receipt_box> box) {
  return {
      [](const event_ptr&) {},
      [box](const event_ptr&, const delivery_receipt& r) { box->put(r); },
  };
}

} // namespace

/// Publishes once through the registry, as the HTTP front end does; answers
/// `info_atom` with whether the publish was answered yet, and forwards the
/// answer to `observer`.
caf::behavior publisher(caf::event_based_actor* self, registry_actor reg,
                        job_id id, caf::actor observer) {
  auto answered = std::make_shared<bool>(false);
  event_batch batch{event_input{"held", -1.0, false}};
  self->request(reg, 10s, publish_atom::value, id, std::string{"h"}, batch)
      .then([=](seq_list& seqs) {
        *answered = true;
        self->send(observer, seqs);
      });
  return {[=](info_atom) { return *answered; }};
}

TEST_F(actors, outside_publisher_is_answered_once_subscribers_took_the_event) {
  spawn_registry();
  auto id = start_external("h").id;
  auto job = lookup(id);
  auto box = std::make_shared<receipt_box>();
  auto holder = sys.spawn(receipt_holder, box);
  self->request(job, 10s, subscribe_atom::value, holder, std::uint64_t{0})
      .receive([](subscription&) {},
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  auto pub = sys.spawn(publisher, reg, id, caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(box->await_one());
  // Messages between two actors arrive in order. The job handled the
  // publish before this info request; had it answered the publish then,
  // that answer reached the publisher before our question does.
  EXPECT_EQ(info(job).events, 1u);
  bool answered = true;
  self->request(pub, 10s, info_atom::value)
      .receive([&](bool x) { answered = x; },
               [&](caf::error& err) { ADD_FAILURE() << sys.render(err); });
  EXPECT_FALSE(answered) << "answered while a subscriber still held the event";
  box->release();
  seq_list seqs;
  self->receive([&](seq_list& xs) { seqs = xs; },
                caf::after(std::chrono::seconds{10}) >> [] {});
  EXPECT_EQ(seqs, seq_list{1});
  self->send_exit(holder, caf::exit_reason::user_shutdown);
  self->send_exit(pub, caf::exit_reason::user_shutdown);
}
