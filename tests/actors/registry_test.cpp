// The registry on the test coordinator: ids, kinds, slots and the queue,
// the job list, retention and eviction, the history budget.

#define CAF_SUITE registry

#include "fixture.hpp"

using namespace jobcast;
using namespace jobcast::testing;

CAF_TEST_FIXTURE_SCOPE(registry_tests, fixture)

CAF_TEST(hands_out_consecutive_ids) {
  spawn_registry();
  CAF_CHECK_EQUAL(start("manual").id, 1u);
  CAF_CHECK_EQUAL(start("manual").id, 2u);
  auto third = start("demo");
  CAF_CHECK_EQUAL(third.id, 3u);
  CAF_CHECK_EQUAL(third.kind, "demo");
  CAF_CHECK(third.state == job_state::running);
}

CAF_TEST(rejects_unknown_kinds_and_ids) {
  spawn_registry();
  CAF_CHECK_EQUAL(
      refusal<job_info>(reg, start_atom_v, job_spec{"nope", "", {}}),
      code(errc::unknown_kind));
  CAF_CHECK_EQUAL(refusal<job_client_actor>(reg, lookup_atom_v, job_id{42}),
                  code(errc::unknown_job));
  CAF_CHECK_EQUAL(refusal<job_info>(reg, info_atom_v, job_id{42}),
                  code(errc::unknown_job));
  // The refusal took no id.
  CAF_CHECK_EQUAL(start("manual").id, 1u);
}

CAF_TEST(forgets_a_finished_job_when_its_retention_ends) {
  spawn_registry(10min);
  auto id = start("manual").id;
  auto job = lookup(id);
  // Retention counts from the end, not from the start.
  wait(5min);
  CAF_REQUIRE(finish(job, job_state::succeeded));
  wait(10min - 1ns);
  CAF_CHECK(known(id));
  // The registry's one timer fires at the exact instant...
  sched.clock().advance_time(1ns);
  expect((expire_atom), from(reg).to(reg));
  sched.run();
  // ...and the job is gone.
  CAF_CHECK(!known(id));
  CAF_CHECK(list().jobs.empty());
}

CAF_TEST(one_timer_ends_every_retention_in_finishing_order) {
  spawn_registry(1min);
  auto a = start("free").id;
  auto b = start("free").id;
  CAF_REQUIRE(finish(lookup(a), job_state::succeeded));
  wait(30s);
  CAF_REQUIRE(finish(lookup(b), job_state::failed));
  wait(30s);
  CAF_CHECK(!known(a));
  CAF_CHECK(known(b));
  wait(30s - 1ns);
  CAF_CHECK(known(b));
  wait(1ns);
  CAF_CHECK(!known(b));
}

CAF_TEST(running_jobs_are_never_expired) {
  spawn_registry(1min);
  auto id = start("free").id;
  wait(1h);
  CAF_CHECK(known(id));
  CAF_CHECK(registry_info(id).state == job_state::running);
}

CAF_TEST(lists_newest_first_from_the_summaries_jobs_report) {
  spawn_registry();
  start("free");
  auto id = start("free").id;
  auto listing = list();
  CAF_REQUIRE_EQUAL(listing.jobs.size(), 2u);
  CAF_CHECK_EQUAL(listing.jobs[0].id, 2u);
  CAF_CHECK_EQUAL(listing.jobs[1].id, 1u);
  CAF_CHECK_EQUAL(listing.total, 2u);
  // A changed summary reaches the list at most summary_interval late.
  auto job = lookup(id);
  publish(job, "one");
  auto events_listed = [&] { return list().jobs.at(0).events; };
  CAF_CHECK_EQUAL(events_listed(), 0u);
  wait(job_options{}.summary_interval - 1ns);
  CAF_CHECK_EQUAL(events_listed(), 0u);
  wait(1ns);
  CAF_CHECK_EQUAL(events_listed(), 1u);
  // State changes go at once.
  CAF_REQUIRE(finish(job, job_state::failed));
  auto now = list();
  CAF_CHECK(now.jobs[0].state == job_state::failed);
  CAF_CHECK_EQUAL(now.by_state[static_cast<int>(job_state::failed)], 1u);
  job_query only_failed;
  only_failed.state = job_state::failed;
  auto failed = list(only_failed);
  CAF_CHECK_EQUAL(failed.total, 1u);
  CAF_REQUIRE_EQUAL(failed.jobs.size(), 1u);
  CAF_CHECK_EQUAL(failed.jobs[0].id, id);
}

CAF_TEST(runs_at_most_workers_slot_jobs_and_queues_the_rest_fifo) {
  spawn_registry(10min, 1);
  auto first = start("manual");
  auto second = start("manual");
  auto third = start("manual");
  CAF_CHECK(first.state == job_state::running);
  CAF_CHECK(second.state == job_state::queued);
  CAF_CHECK_EQUAL(second.queue_position, 0u);
  CAF_CHECK_EQUAL(third.queue_position, 1u);
  // Ending the first lets the second run, and the third moves up.
  CAF_REQUIRE(finish(lookup(first.id), job_state::succeeded));
  CAF_CHECK(info(lookup(second.id)).state == job_state::running);
  auto waiting = registry_info(third.id);
  CAF_CHECK(waiting.state == job_state::queued);
  CAF_CHECK_EQUAL(waiting.queue_position, 0u);
  // Cancelling a queued job frees its place without taking a slot.
  CAF_REQUIRE(ask<job_info>(lookup(third.id), cancel_atom_v));
  auto fourth = start("manual");
  CAF_CHECK(fourth.state == job_state::queued);
  CAF_CHECK_EQUAL(fourth.queue_position, 0u);
}

CAF_TEST(kinds_without_a_worker_slot_never_wait) {
  spawn_registry(10min, 1);
  CAF_CHECK(start("manual").state == job_state::running); // Takes the slot.
  for (int i = 0; i < 5; ++i) {
    CAF_CHECK(start("free").state == job_state::running);
    CAF_CHECK(start("external", "h").state == job_state::running);
  }
  auto waiting = start("manual");
  CAF_CHECK(waiting.state == job_state::queued);
  CAF_CHECK_EQUAL(waiting.queue_position, 0u); // Only slot jobs queue.
}

CAF_TEST(starts_past_max_active_are_refused_and_create_nothing) {
  auto s = settings(10min, 1);
  s.max_active = 3;
  spawn_registry(std::move(s));
  auto first = start("free");
  start("free");
  CAF_CHECK(start("manual").state == job_state::running);
  for (auto kind : {"free", "manual"})
    CAF_CHECK_EQUAL(
        refusal<job_info>(reg, start_atom_v, job_spec{kind, "t", {}}),
        code(errc::too_many_jobs));
  CAF_CHECK_EQUAL(list().jobs.size(), 3u);
  // A finished job is no longer active; the refusals took no id.
  CAF_REQUIRE(finish(lookup(first.id), job_state::succeeded));
  CAF_CHECK_EQUAL(start("free").id, 4u);
}

CAF_TEST(evicts_the_oldest_finished_jobs_first) {
  auto s = settings();
  s.max_retained = 1;
  spawn_registry(std::move(s));
  auto running = start("manual").id;
  auto a = start("manual").id;
  auto b = start("manual").id;
  CAF_REQUIRE(finish(lookup(a), job_state::succeeded));
  CAF_CHECK(known(a));
  CAF_REQUIRE(finish(lookup(b), job_state::succeeded));
  CAF_CHECK(!known(a));      // a is evicted...
  CAF_CHECK(known(b));       // ...b is the one finished job kept...
  CAF_CHECK(known(running)); // ...and running jobs are never evicted.
}

CAF_TEST(history_budget_forgets_finished_jobs_before_trimming_running) {
  auto s = settings();
  // Room for ten 100-byte events; a round goes down to 8.75 of them.
  s.history_bytes = 10 * history_budget::cost(100);
  spawn_registry(std::move(s));
  std::string text(100, 'x');
  auto old_id = start("free").id;
  auto old_job = lookup(old_id);
  for (int i = 0; i < 3; ++i)
    publish(old_job, text);
  CAF_REQUIRE(finish(old_job, job_state::succeeded));
  auto id = start("free").id;
  auto job = lookup(id);
  auto bytes = [&] {
    return value<std::uint64_t>(caf::actor_cast<job_control_actor>(job),
                                budget_atom_v);
  };
  // 3 + end + 6 events: within the limit.
  for (int i = 0; i < 6; ++i)
    publish(job, text);
  CAF_CHECK(known(old_id));
  // The seventh: over the limit; forgetting the old job is enough.
  publish(job, text);
  CAF_CHECK(!known(old_id));
  CAF_CHECK_EQUAL(bytes(), 7 * history_budget::cost(100)); // Nothing trimmed.
  // Four more: the running job alone is over; it keeps its newest 8.
  for (int i = 0; i < 4; ++i)
    publish(job, text);
  CAF_CHECK_EQUAL(bytes(), 8 * history_budget::cost(100));
  auto [sub, sink] = subscribe(id);
  auto texts = sink->texts();
  CAF_REQUIRE_EQUAL(texts.size(), 9u);
  CAF_CHECK_EQUAL(texts[0], "3 earlier events were dropped from the history");
  // A copy: CAF's check keeps a reference to what it compares.
  auto seqs = sink->seqs();
  CAF_CHECK_EQUAL(seqs.back(), 11u);
}

CAF_TEST(a_long_queue_records_few_status_events_per_job) {
  spawn_registry(10min, 1);
  std::vector<job_id> ids;
  for (int i = 0; i < 101; ++i)
    ids.push_back(start("manual").id);
  // The first 60 run and finish, one after the other.
  for (int i = 0; i < 60; ++i) {
    auto job = lookup(ids[i]);
    CAF_REQUIRE(info(job).state == job_state::running);
    CAF_REQUIRE(finish(job, job_state::succeeded));
  }
  auto last = registry_info(ids.back());
  CAF_CHECK(last.state == job_state::queued);
  // Exact, although the job itself heard only of some of its moves.
  CAF_CHECK_EQUAL(last.queue_position, 39u);
  // It moved 60 places but recorded only: 99 (first), 64, 32; not 60 events.
  CAF_CHECK_LESS_OR_EQUAL(last.events, 4u);
  // The job list has the exact places too.
  auto all = list().jobs;
  CAF_REQUIRE(all.size() > 2);
  CAF_CHECK_EQUAL(all[0].id, ids.back());
  CAF_CHECK_EQUAL(all[0].queue_position, 39u);
  CAF_CHECK_EQUAL(all[1].queue_position, 38u);
}

CAF_TEST_FIXTURE_SCOPE_END()
