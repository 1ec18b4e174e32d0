// The Redis client's reconnection policy: capped exponential backoff with
// jitter. Plain C++, no clock.

#include "redis/backoff.hpp"

#include <gtest/gtest.h>

using namespace jobcast::redis;
using namespace std::chrono_literals;

TEST(redis_backoff, doubles_from_the_initial_delay_up_to_the_cap) {
  backoff b{100ms, 1000ms, 0.0};
  EXPECT_EQ(b.next(), 100ms);
  EXPECT_EQ(b.next(), 200ms);
  EXPECT_EQ(b.next(), 400ms);
  EXPECT_EQ(b.next(), 800ms);
  EXPECT_EQ(b.next(), 1000ms);
  EXPECT_EQ(b.next(), 1000ms);
  EXPECT_EQ(b.failures(), 6u);
}

TEST(redis_backoff, a_success_starts_again_from_the_initial_delay) {
  backoff b{100ms, 1000ms, 0.0};
  b.next();
  b.next();
  b.next();
  b.reset();
  EXPECT_EQ(b.failures(), 0u);
  EXPECT_EQ(b.next(), 100ms);
}

TEST(redis_backoff, a_long_outage_stays_at_the_cap) {
  backoff b{1ms, 2000ms, 0.0};
  for (int i = 0; i < 10000; ++i)
    EXPECT_LE(b.next(), 2000ms);
  EXPECT_EQ(b.next(), 2000ms);
}

TEST(redis_backoff, jitter_stays_within_its_share_of_the_delay) {
  backoff b{100ms, 800ms, 0.5, 42};
  for (int round = 0; round < 100; ++round) {
    auto top = b.ceiling();
    auto delay = b.next();
    EXPECT_LE(delay, top);
    EXPECT_GE(delay, top / 2);
  }
}

TEST(redis_backoff, jitter_spreads_clients_that_failed_together) {
  // Ten clients that lost the same Redis at the same moment.
  std::vector<backoff::duration> first;
  for (std::uint32_t seed = 1; seed <= 10; ++seed)
    first.push_back(backoff{1000ms, 1000ms, 0.5, seed}.next());
  std::sort(first.begin(), first.end());
  EXPECT_NE(first.front(), first.back());
}

TEST(redis_backoff, odd_settings_still_give_positive_delays) {
  backoff zero{0ms, 0ms, 1.0, 7};
  for (int i = 0; i < 100; ++i)
    EXPECT_GE(zero.next(), 1ms);
  // A cap below the initial delay is the initial delay.
  backoff inverted{500ms, 100ms, 0.0};
  EXPECT_EQ(inverted.next(), 500ms);
  EXPECT_EQ(inverted.next(), 500ms);
}
