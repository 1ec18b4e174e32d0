// The job actor on the test coordinator: publishing and finishing, tokens,
// the idle timeout on the actor clock, workers, subscribers and the
// history, and the publisher that waits for the fan-out.

#define CAF_SUITE job

#include "fixture.hpp"

using namespace jobcast;
using namespace jobcast::testing;

namespace {

/// Where a test subscriber keeps the receipts it is given.
struct receipt_box {
  std::vector<delivery_receipt> receipts;
};

/// A subscriber that holds on to each receipt until the test lets go.
subscriber_actor::behavior_type
receipt_holder(subscriber_actor::pointer, std::shared_ptr<receipt_box> box) {
  return {
      [](const event_ptr&) {},
      [box](const event_ptr&, const delivery_receipt& r) {
        box->receipts.push_back(r);
      },
      [](more_atom) {},
  };
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(job_tests, fixture)

CAF_TEST(numbers_events_from_one_and_ends_once) {
  spawn_registry();
  auto job = lookup(start("manual").id);
  CAF_CHECK_EQUAL(publish(job, "a"), 1u);
  CAF_CHECK_EQUAL(publish(job, "b"), 2u);
  auto end = finish(job, job_state::failed);
  CAF_REQUIRE(end);
  CAF_CHECK_EQUAL(*end, 3u);
  auto x = info(job);
  CAF_CHECK(x.state == job_state::failed);
  CAF_CHECK_EQUAL(x.events, 3u);
}

CAF_TEST(finished_job_rejects_more_events_finish_and_cancel) {
  spawn_registry();
  auto job = lookup(start("manual").id);
  CAF_REQUIRE(finish(job, job_state::failed));
  auto again = finish(job, job_state::succeeded);
  CAF_REQUIRE(!again);
  CAF_CHECK_EQUAL(code(again.error()), code(errc::job_finished));
  CAF_CHECK_EQUAL(refusal<job_info>(job, cancel_atom_v),
                  code(errc::job_finished));
  CAF_CHECK_EQUAL(
      refusal<seq_list>(job, publish_atom_v, event_batch{event_input{"late"}}),
      code(errc::job_finished));
  CAF_CHECK(info(job).state == job_state::failed);
}

CAF_TEST(cancel_ends_the_job_for_every_subscriber) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  auto [sub, sink] = subscribe(id);
  publish(job, "working");
  auto cancelled = value<job_info>(job, cancel_atom_v);
  CAF_CHECK(cancelled.state == job_state::cancelled);
  CAF_CHECK_EQUAL(sink->texts(),
                  (std::vector<std::string>{"working", "cancelled"}));
  CAF_CHECK_EQUAL(sink->closed_count, 0); // The end event ended it.
}

CAF_TEST(external_job_accepts_only_its_token_hash) {
  spawn_registry();
  auto id = start("external", "hash-of-secret").id;
  CAF_CHECK(publish_as(id, "hash-of-secret"));
  CAF_CHECK_EQUAL(code(publish_as(id, "hash-of-guess!").error()),
                  code(errc::forbidden));
  CAF_CHECK_EQUAL(code(publish_as(id, "").error()), code(errc::forbidden));
  // A job fed by its own worker accepts no outside publisher at all.
  auto manual = start("manual").id;
  CAF_CHECK_EQUAL(code(publish_as(manual, "").error()), code(errc::forbidden));
  CAF_CHECK_EQUAL(code(publish_as(999, "x").error()), code(errc::unknown_job));
  // Nor an outside finish without the token.
  CAF_CHECK_EQUAL(refusal<job_info>(reg, finish_atom_v, id, std::string{"x"},
                                    job_state::failed, std::string{}),
                  code(errc::forbidden));
  CAF_CHECK(value<job_info>(reg, finish_atom_v, id,
                            std::string{"hash-of-secret"}, job_state::succeeded,
                            std::string{})
                .state == job_state::succeeded);
}

CAF_TEST(silent_publisher_fails_its_job_at_the_idle_timeout) {
  spawn_registry(10min, 8, 100ms);
  auto id = start("external", "h").id;
  auto [sub, sink] = subscribe(id);
  wait(100ms - 1ns);
  CAF_CHECK(registry_info(id).state == job_state::running);
  CAF_CHECK(sink->events.empty());
  wait(1ns);
  CAF_CHECK(registry_info(id).state == job_state::failed);
  CAF_CHECK_EQUAL(sink->texts(),
                  std::vector<std::string>{"publisher went away"});
}

CAF_TEST(each_publish_moves_the_idle_timeout) {
  spawn_registry(10min, 8, 400ms);
  auto id = start("external", "h").id;
  wait(300ms);
  CAF_REQUIRE(publish_as(id, "h"));
  // At 400 ms the registry asks; the job was active 100 ms ago and says to
  // ask again in 300 ms.
  wait(100ms);
  CAF_CHECK(registry_info(id).state == job_state::running);
  wait(300ms - 1ns);
  CAF_CHECK(registry_info(id).state == job_state::running);
  wait(1ns);
  CAF_CHECK(registry_info(id).state == job_state::failed);
}

CAF_TEST(jobs_fed_by_their_worker_have_no_idle_timeout) {
  spawn_registry(10min, 8, 100ms);
  auto id = start("free").id;
  wait(1h);
  CAF_CHECK(registry_info(id).state == job_state::running);
}

CAF_TEST(demo_job_reports_the_seed_lines_one_interval_apart) {
  spawn_registry();
  auto id = start("demo").id;
  auto [sub, sink] = subscribe(id);
  CAF_CHECK(sink->events.empty());
  wait(10ms);
  CAF_CHECK_EQUAL(sink->texts(), std::vector<std::string>{"Did something"});
  wait(10ms);
  wait(10ms);
  auto texts = sink->texts();
  CAF_REQUIRE_EQUAL(texts.size(), 4u);
  CAF_CHECK_EQUAL(texts[1], "Did something else");
  CAF_CHECK_EQUAL(texts[2], "All done");
  auto x = info(lookup(id));
  CAF_CHECK(x.state == job_state::succeeded);
  CAF_CHECK_EQUAL(x.progress, 1.0);
}

CAF_TEST(job_whose_worker_dies_fails_with_the_reason) {
  spawn_registry();
  auto id = start("crash").id;
  auto [sub, sink] = subscribe(id);
  auto texts = sink->texts();
  CAF_REQUIRE_EQUAL(texts.size(), 1u);
  CAF_CHECK_NOT_EQUAL(texts[0].find("worker stopped"), std::string::npos);
  CAF_CHECK(info(lookup(id)).state == job_state::failed);
}

CAF_TEST(job_forgets_subscribers_that_go_away) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  auto [sub, sink] = subscribe(id);
  CAF_CHECK_EQUAL(info(job).subscribers, 1u);
  self->send_exit(sub, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(info(job).subscribers, 0u);
  CAF_CHECK_EQUAL(publish(job, "still going"), 1u);
  CAF_CHECK(sink->events.empty());
}

CAF_TEST(job_turns_away_subscribers_past_its_limit) {
  auto s = settings();
  s.jobs.max_subscribers = 1;
  spawn_registry(std::move(s));
  auto id = start("manual").id;
  auto [first_sub, first] = subscribe(id);
  auto [second_sub, second] = subscribe(id);
  CAF_CHECK_EQUAL(first->opened_count, 1);
  CAF_CHECK(!first->closed_with);
  CAF_CHECK(second->closed_with == stream_close::overloaded);
  CAF_CHECK_EQUAL(second->opened_count, 0);
}

CAF_TEST(history_drops_old_events_and_resumers_get_a_gap) {
  auto s = settings();
  s.jobs.max_events = 2;
  spawn_registry(std::move(s));
  auto id = start("manual").id;
  for (auto text : {"a", "b", "c", "d"})
    publish(lookup(id), text);
  auto [sub, sink] = subscribe(id, resume_point{1});
  auto texts = sink->texts();
  CAF_REQUIRE_EQUAL(texts.size(), 3u);
  CAF_CHECK_EQUAL(texts[0], "1 earlier events were dropped from the history");
  CAF_CHECK_EQUAL(sink->seqs(), (std::vector<std::uint64_t>{2, 3, 4}));
}

CAF_TEST(outside_publisher_is_answered_once_subscribers_took_the_event) {
  spawn_registry();
  auto id = start("external", "h").id;
  auto job = lookup(id);
  auto box = std::make_shared<receipt_box>();
  auto holder = sys.spawn(receipt_holder, box);
  CAF_REQUIRE(ask<subscription>(job, subscribe_atom_v, holder, resume_point{},
                                std::uint64_t{65536}));
  auto answer =
      ask_later<seq_list>(reg, publish_atom_v, id, std::string{"h"},
                          event_batch{event_input{"held", -1.0, false}});
  // The job published (the holder has the event) but does not answer while
  // a subscriber still holds it.
  CAF_REQUIRE_EQUAL(box->receipts.size(), 1u);
  CAF_CHECK_EQUAL(info(job).events, 1u);
  CAF_CHECK(!answer->has_value());
  box->receipts.clear();
  sched.run();
  CAF_REQUIRE(answer->has_value());
  CAF_REQUIRE(**answer);
  CAF_CHECK_EQUAL(***answer, seq_list{1});
  self->send_exit(holder, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
