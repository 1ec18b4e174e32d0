// Unit tests of the registry's plain policy classes: no actors, no clock.

#include "actors/constant_time.hpp"
#include "actors/deadlines.hpp"
#include "actors/history_budget.hpp"
#include "actors/retention.hpp"
#include "actors/scheduler.hpp"

#include <gtest/gtest.h>

using namespace jobcast;
using namespace std::chrono_literals;

// -- history_budget -----------------------------------------------------------

TEST(history_budget, counts_text_encodings_and_overhead) {
  EXPECT_EQ(history_budget::cost(0), history_budget::event_overhead);
  EXPECT_EQ(history_budget::cost(100), 400 + history_budget::event_overhead);
  EXPECT_EQ(history_budget::event_overhead, 704u);
}

TEST(history_budget, does_nothing_within_the_limit) {
  history_budget budget{1000};
  auto plan = budget.plan({300, 300}, {400});
  EXPECT_EQ(plan.evict, 0u);
  EXPECT_FALSE(plan.cap);
}

TEST(history_budget, forgets_the_oldest_finished_jobs_first) {
  history_budget budget{1000}; // target 875
  // 1200 in all: 325 must go; the oldest (200) is not enough, two are.
  auto plan = budget.plan({200, 300, 100}, {600});
  EXPECT_EQ(plan.evict, 2u);
  EXPECT_FALSE(plan.cap);
}

TEST(history_budget, goes_down_to_an_eighth_below_the_limit) {
  history_budget budget{800}; // target 700
  EXPECT_EQ(budget.target(), 700u);
  // 810: just over; 110 must go, so both 100-byte jobs do.
  auto plan = budget.plan({100, 100, 100}, {510});
  EXPECT_EQ(plan.evict, 2u);
}

TEST(history_budget, trims_running_jobs_only_when_no_finished_job_is_left) {
  history_budget budget{1000}; // target 875
  auto plan = budget.plan({50, 50}, {1000});
  EXPECT_EQ(plan.evict, 2u);
  ASSERT_TRUE(plan.cap);
  EXPECT_EQ(*plan.cap, 875u);
}

TEST(history_budget, a_chatty_job_cannot_empty_a_quiet_ones_history) {
  history_budget budget{1000}; // target 875
  // The quiet jobs keep everything; the chatty one gets what is left.
  auto plan = budget.plan({}, {100, 2000, 75});
  ASSERT_TRUE(plan.cap);
  EXPECT_EQ(*plan.cap, 700u);
  // Two big ones share equally.
  plan = budget.plan({}, {75, 2000, 3000});
  ASSERT_TRUE(plan.cap);
  EXPECT_EQ(*plan.cap, 400u);
}

TEST(history_budget, the_cap_never_lets_the_total_exceed_the_target) {
  history_budget budget{10'000};
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t i = 1; i <= 50; ++i)
    sizes.push_back(i * i * 7);
  auto plan = budget.plan({}, sizes);
  ASSERT_TRUE(plan.cap);
  std::uint64_t kept = 0;
  for (auto s : sizes)
    kept += std::min(s, *plan.cap);
  EXPECT_LE(kept, budget.target());
  // And it is the highest such cap.
  std::uint64_t more = 0;
  for (auto s : sizes)
    more += std::min(s, *plan.cap + 1);
  EXPECT_GT(more, budget.target());
}

// -- retention ----------------------------------------------------------------

TEST(retention, keeps_at_most_max_jobs_and_forgets_the_oldest) {
  retention kept{2};
  EXPECT_TRUE(kept.add(1, 10).empty());
  EXPECT_TRUE(kept.add(2, 20).empty());
  EXPECT_EQ(kept.add(3, 30), std::vector<job_id>{1});
  EXPECT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept.bytes(), 50u);
  EXPECT_EQ(kept.sizes(), (std::vector<std::uint64_t>{20, 30}));
}

TEST(retention, takes_out_the_oldest_and_any_one_job) {
  retention kept{10};
  for (job_id id = 1; id <= 4; ++id)
    kept.add(id, id * 100);
  EXPECT_EQ(kept.take_oldest(2), (std::vector<job_id>{1, 2}));
  EXPECT_TRUE(kept.remove(4));
  EXPECT_FALSE(kept.remove(4));
  EXPECT_FALSE(kept.remove(1));
  EXPECT_EQ(kept.bytes(), 300u);
  EXPECT_EQ(kept.take_oldest(5), std::vector<job_id>{3});
  EXPECT_EQ(kept.size(), 0u);
  EXPECT_EQ(kept.bytes(), 0u);
}

// -- deadlines ----------------------------------------------------------------

namespace {

deadlines::time_point at(int seconds) {
  return deadlines::time_point{} + std::chrono::seconds{seconds};
}

} // namespace

TEST(deadlines, hands_out_due_jobs_earliest_first) {
  deadlines d;
  d.set(1, at(30));
  d.set(2, at(10));
  d.set(3, at(20));
  d.set(1, at(5)); // Moved, not added.
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.earliest(), at(5));
  EXPECT_EQ(d.take_due(at(10)), (std::vector<job_id>{1, 2}));
  d.erase(3);
  d.erase(42);
  EXPECT_TRUE(d.take_due(at(100)).empty());
  EXPECT_FALSE(d.earliest());
}

TEST(deadlines, one_pending_timer_serves_every_later_deadline) {
  deadlines d;
  // A thousand retention ends, each later than the last: one timer.
  std::size_t timers = 0;
  for (int i = 0; i < 1000; ++i) {
    d.set(static_cast<job_id>(i), at(600 + i));
    if (d.arm())
      ++timers;
  }
  EXPECT_EQ(timers, 1u);
  EXPECT_EQ(d.pending(), 1u);
  // Jobs that go before their deadline leave nothing behind but that one.
  for (int i = 0; i < 1000; ++i)
    d.erase(static_cast<job_id>(i));
  EXPECT_EQ(d.size(), 0u);
  EXPECT_FALSE(d.arm());
  EXPECT_EQ(d.pending(), 1u);
  d.fired();
  EXPECT_EQ(d.pending(), 0u);
}

TEST(deadlines, a_timer_is_rearmed_for_the_next_deadline_after_it_fired) {
  deadlines d;
  d.set(1, at(10));
  d.set(2, at(20));
  EXPECT_EQ(d.arm(), at(10));
  d.fired();
  EXPECT_EQ(d.take_due(at(10)), std::vector<job_id>{1});
  EXPECT_EQ(d.arm(), at(20));
  EXPECT_FALSE(d.arm()); // Already pending.
}

TEST(deadlines, an_earlier_deadline_gets_a_timer_of_its_own_up_to_a_bound) {
  deadlines d{3};
  d.set(1, at(100));
  EXPECT_EQ(d.arm(), at(100));
  d.set(2, at(50));
  EXPECT_EQ(d.arm(), at(50));
  d.set(3, at(40));
  EXPECT_EQ(d.arm(), at(40));
  d.set(4, at(30));
  // Three pending: job 4 waits for the one at 40, which then re-arms.
  EXPECT_FALSE(d.arm());
  EXPECT_EQ(d.pending(), 3u);
  d.fired(); // The one at 40 arrives (at 40).
  EXPECT_EQ(d.take_due(at(40)), (std::vector<job_id>{4, 3}));
  EXPECT_FALSE(d.arm()); // The one at 50 is pending.
  d.fired();
  EXPECT_EQ(d.take_due(at(50)), std::vector<job_id>{2});
  EXPECT_FALSE(d.arm()); // The one at 100 is pending.
}

TEST(constant_time_equal, compares_whole_strings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

// -- scheduler ----------------------------------------------------------------

using started = std::vector<job_id>;
using places = std::vector<std::pair<job_id, std::uint32_t>>;

TEST(scheduler, runs_jobs_while_slots_are_free_then_queues_them_in_order) {
  scheduler s{2};
  EXPECT_EQ(s.add(1).started, started{1});
  EXPECT_EQ(s.add(2).started, started{2});
  auto third = s.add(3);
  EXPECT_TRUE(third.started.empty());
  EXPECT_EQ(third.places, (places{{3, 0}}));
  EXPECT_EQ(s.add(4).places, (places{{4, 1}}));
  EXPECT_EQ(s.running(), 2u);
  EXPECT_EQ(s.waiting(), 2u);
  EXPECT_EQ(s.place(4), 1u);
  EXPECT_EQ(s.place(1), std::nullopt); // Running, not waiting.
}

TEST(scheduler, a_freed_slot_goes_to_the_oldest_waiting_job) {
  scheduler s{1};
  s.add(1);
  s.add(2);
  s.add(3);
  auto m = s.remove(1);
  EXPECT_EQ(m.started, started{2});
  EXPECT_EQ(m.places, (places{{3, 0}}));
  EXPECT_EQ(s.remove(2).started, started{3});
  EXPECT_EQ(s.waiting(), 0u);
}

TEST(scheduler, leaving_the_line_moves_up_only_those_behind) {
  scheduler s{1};
  for (job_id id = 1; id <= 4; ++id)
    s.add(id); // 1 runs; 2, 3, 4 wait.
  auto m = s.remove(3);
  EXPECT_TRUE(m.started.empty());
  EXPECT_EQ(m.places, (places{{4, 1}})); // 2 did not move: not told.
  EXPECT_EQ(s.place(2), 0u);
  EXPECT_TRUE(s.remove(99).places.empty()); // Unknown: nothing changes.
}

TEST(scheduler, zero_slots_count_as_one) {
  scheduler s{0};
  EXPECT_EQ(s.add(1).started, started{1});
  EXPECT_TRUE(s.add(2).started.empty());
}

TEST(scheduler, records_the_last_sixteen_places_then_powers_of_two) {
  for (std::uint32_t ahead = 0; ahead < 16; ++ahead)
    EXPECT_TRUE(scheduler::recorded(ahead)) << ahead;
  EXPECT_FALSE(scheduler::recorded(17));
  EXPECT_FALSE(scheduler::recorded(60));
  EXPECT_TRUE(scheduler::recorded(16));
  EXPECT_TRUE(scheduler::recorded(32));
  EXPECT_TRUE(scheduler::recorded(1024));
}

TEST(scheduler, a_move_at_the_front_tells_only_recorded_places) {
  scheduler s{1};
  for (job_id id = 1; id <= 101; ++id)
    s.add(id); // 1 runs; 100 wait, places 0..99.
  auto m = s.remove(1);
  EXPECT_EQ(m.started, started{2});
  // 99 wait now: places 0..15, then 16, 32, 64.
  ASSERT_EQ(m.places.size(), 16u + 3u);
  for (auto& [id, ahead] : m.places) {
    EXPECT_TRUE(scheduler::recorded(ahead));
    EXPECT_EQ(s.place(id), ahead);
  }
  EXPECT_EQ(m.places.back(), (std::pair<job_id, std::uint32_t>{67, 64}));
}
