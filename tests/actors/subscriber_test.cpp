// The subscriber actor on the test coordinator: what a viewer's sink gets,
// in which order, from where it resumes, and how its stream ends.

#define CAF_SUITE subscriber

#include "fixture.hpp"

#include <numeric>

using namespace jobcast;
using namespace jobcast::testing;

CAF_TEST_FIXTURE_SCOPE(subscriber_tests, fixture)

CAF_TEST(gets_the_backlog_then_live_events_in_order) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  CAF_CHECK_EQUAL(publish(job, "one"), 1u);
  CAF_CHECK_EQUAL(publish(job, "two"), 2u);
  auto [sub, sink] = subscribe(id);
  CAF_CHECK_EQUAL(sink->opened_count, 1);
  CAF_CHECK_EQUAL(sink->texts(), (std::vector<std::string>{"one", "two"}));
  CAF_CHECK(sink->caught_up);
  publish(job, "three");
  CAF_CHECK_EQUAL(sink->texts(),
                  (std::vector<std::string>{"one", "two", "three"}));
  CAF_REQUIRE(finish(job, job_state::succeeded));
  CAF_CHECK_EQUAL(sink->seqs(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  // Ended by the job's end event, not by a close; and the subscriber quit.
  CAF_CHECK_EQUAL(sink->closed_count, 0);
  CAF_CHECK_EQUAL(info(job).subscribers, 0u);
}

CAF_TEST(resumes_after_a_sequence_number) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  for (auto text : {"a", "b", "c"})
    publish(job, text);
  auto [sub, sink] = subscribe(id, resume_point{2});
  CAF_CHECK_EQUAL(sink->texts(), (std::vector<std::string>{"c"}));
  CAF_CHECK_EQUAL(sink->seqs(), (std::vector<std::uint64_t>{3}));
}

CAF_TEST(for_an_unknown_job_is_told_so) {
  spawn_registry();
  auto [sub, sink] = subscribe(99);
  CAF_CHECK(sink->closed_with == stream_close::unknown_job);
  CAF_CHECK_EQUAL(sink->opened_count, 0);
}

CAF_TEST(for_a_finished_job_gets_its_history_and_end) {
  spawn_registry();
  auto id = start("manual").id;
  publish(lookup(id), "a");
  CAF_REQUIRE(finish(lookup(id), job_state::succeeded));
  auto [sub, sink] = subscribe(id);
  CAF_CHECK_EQUAL(sink->seqs(), (std::vector<std::uint64_t>{1, 2}));
  CAF_CHECK_EQUAL(sink->closed_count, 0);
}

CAF_TEST(replays_history_page_by_page_as_the_sink_asks) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  for (int i = 0; i < 300; ++i)
    publish(job, std::string(100, 'x'));
  auto sink = std::make_shared<recording_sink>();
  sink->bytes_per_page = 2000; // About 9 events of 100 bytes (plus overhead).
  auto sub = sys.spawn(subscriber, caf::actor_cast<registry_client_actor>(reg),
                       id, resume_point{}, sink);
  sched.run();
  // One page, then nothing until the sink asks: with 300 events kept, a
  // viewer holds a page, never the whole history.
  CAF_REQUIRE_EQUAL(sink->pages.size(), 1u);
  CAF_CHECK_LESS_OR_EQUAL(sink->pages[0], 10u);
  CAF_CHECK_EQUAL(info(job).subscribers, 0u); // Not live before caught up.
  std::size_t asked = 1;
  while (!sink->caught_up && asked < 100) {
    self->send(sub, more_atom_v);
    sched.run();
    CAF_REQUIRE_EQUAL(sink->pages.size(), ++asked);
  }
  CAF_REQUIRE(sink->caught_up);
  CAF_CHECK_GREATER(asked, 25u);
  // Caught up: it follows live events now, with nothing missed or repeated.
  CAF_CHECK_EQUAL(info(job).subscribers, 1u);
  publish(job, "live");
  std::vector<std::uint64_t> expected(301);
  std::iota(expected.begin(), expected.end(), 1);
  CAF_CHECK_EQUAL(sink->seqs(), expected);
}

CAF_TEST(a_queued_job_tells_its_viewers_where_it_stands) {
  spawn_registry(10min, 1);
  auto running = start("manual").id;
  auto waiting = start("manual").id;
  auto [sub, sink] = subscribe(waiting);
  CAF_CHECK_EQUAL(sink->texts(), std::vector<std::string>{"queued, 0 ahead"});
  CAF_REQUIRE(finish(lookup(running), job_state::succeeded));
  CAF_CHECK_EQUAL(sink->texts(),
                  (std::vector<std::string>{"queued, 0 ahead", "started"}));
}

CAF_TEST(a_job_actor_that_dies_ends_its_streams_as_failed) {
  spawn_registry();
  auto id = start("manual").id;
  auto job = lookup(id);
  auto [sub, sink] = subscribe(id);
  publish(job, "working");
  self->send_exit(job, caf::sec::runtime_error);
  sched.run();
  auto texts = sink->texts();
  CAF_REQUIRE_EQUAL(texts.size(), 2u);
  CAF_CHECK_NOT_EQUAL(texts[1].find("job failed"), std::string::npos);
  CAF_CHECK_EQUAL(sink->seqs(), (std::vector<std::uint64_t>{1, 2}));
}

CAF_TEST_FIXTURE_SCOPE_END()
