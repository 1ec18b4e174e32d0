// Unit tests of the per-client limits: the start budget (start_limiter),
// the open connection count (connection_limiter) and the two behind one
// lock with the slots connections hold (client_limits). Times are made up;
// nothing sleeps.

#include "http/client_limits.hpp"
#include "http/connection_limiter.hpp"
#include "http/start_limiter.hpp"

#include <gtest/gtest.h>

using namespace jobcast;
using namespace std::chrono_literals;

namespace {

using clock_type = start_limiter::clock;

client_key key(const char* text) {
  return key_of(boost::asio::ip::make_address(text));
}

ip_address addr(const char* text) {
  return boost::asio::ip::make_address(text);
}

trusted_proxies proxies(std::vector<std::string> entries) {
  std::string error;
  return trusted_proxies::parse(entries, error).value();
}

} // namespace

// -- start_limiter ------------------------------------------------------------

TEST(start_limiter, allows_a_burst_then_one_start_per_interval) {
  start_limiter starts{3, 100};
  auto t0 = clock_type::time_point{} + 1h;
  auto a = key("203.0.113.1");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(starts.check(a, t0, true), 0ns) << i;
  // The bucket is empty: the next start is one interval (20 s) away.
  EXPECT_EQ(starts.check(a, t0, true), 20s);
  EXPECT_EQ(starts.check(a, t0 + 5s, true), 15s);
  EXPECT_EQ(starts.check(a, t0 + 20s, true), 0ns);
  EXPECT_EQ(starts.check(a, t0 + 20s, true), 20s);
  // A quiet minute fills the bucket again.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(starts.check(a, t0 + 80s, true), 0ns) << i;
  EXPECT_GT(starts.check(a, t0 + 80s, true), 0ns);
}

TEST(start_limiter, refused_starts_cost_nothing) {
  start_limiter starts{1, 100};
  auto t0 = clock_type::time_point{} + 1h;
  auto a = key("203.0.113.1");
  EXPECT_EQ(starts.check(a, t0, true), 0ns);
  for (int i = 0; i < 100; ++i)
    EXPECT_GT(starts.check(a, t0 + 30s, true), 0ns);
  EXPECT_EQ(starts.check(a, t0 + 60s, true), 0ns);
}

TEST(start_limiter, a_look_counts_nothing) {
  start_limiter starts{2, 100};
  auto t0 = clock_type::time_point{} + 1h;
  auto a = key("203.0.113.1");
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(starts.check(a, t0, false), 0ns);
  EXPECT_EQ(starts.clients(), 0u);
  EXPECT_EQ(starts.check(a, t0, true), 0ns);
  EXPECT_EQ(starts.check(a, t0, true), 0ns);
  EXPECT_EQ(starts.check(a, t0, false), 30s);
}

TEST(start_limiter, each_client_has_its_own_budget) {
  start_limiter starts{1, 100};
  auto t0 = clock_type::time_point{} + 1h;
  EXPECT_EQ(starts.check(key("203.0.113.1"), t0, true), 0ns);
  EXPECT_GT(starts.check(key("203.0.113.1"), t0, true), 0ns);
  EXPECT_EQ(starts.check(key("203.0.113.2"), t0, true), 0ns);
  EXPECT_EQ(starts.check(key("2001:db8:0:1::1"), t0, true), 0ns);
  // The same /64.
  EXPECT_GT(starts.check(key("2001:db8:0:1::2"), t0, true), 0ns);
  EXPECT_EQ(starts.check(key("2001:db8:0:2::1"), t0, true), 0ns);
}

TEST(start_limiter, forgets_clients_whose_bucket_is_full_again) {
  start_limiter starts{60, 1000};
  auto t0 = clock_type::time_point{} + 1h;
  for (int i = 0; i < 200; ++i) {
    auto text = "10.0.0." + std::to_string(i);
    EXPECT_EQ(starts.check(key_of(addr(text.c_str())), t0, true), 0ns);
  }
  EXPECT_EQ(starts.clients(), 200u);
  // One start refills in a second: a second later all are forgotten.
  starts.check(key("203.0.113.1"), t0 + 1s, false);
  EXPECT_EQ(starts.clients(), 0u);
}

TEST(start_limiter, a_flood_of_addresses_stays_within_the_table) {
  start_limiter starts{1, 64};
  auto t0 = clock_type::time_point{} + 1h;
  auto limited = key("198.51.100.1");
  EXPECT_EQ(starts.check(limited, t0, true), 0ns);
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    auto a = boost::asio::ip::make_address_v4(0x0a000000u + i);
    EXPECT_EQ(starts.check(key_of(a), t0 + 1ms, true), 0ns);
    ASSERT_LE(starts.clients(), 64u);
  }
  // Pushed out by the flood: the least recently seen goes first.
  EXPECT_EQ(starts.check(limited, t0 + 2ms, true), 0ns);
}

TEST(start_limiter, recently_seen_clients_stay_while_older_ones_go) {
  start_limiter starts{1, 3};
  auto t0 = clock_type::time_point{} + 1h;
  auto a = key("203.0.113.1"), b = key("203.0.113.2"), c = key("203.0.113.3"),
       d = key("203.0.113.4");
  for (auto k : {a, b, c})
    EXPECT_EQ(starts.check(k, t0, true), 0ns);
  // a is seen again (and refused): b is now the least recently seen.
  EXPECT_GT(starts.check(a, t0 + 1s, true), 0ns);
  EXPECT_EQ(starts.check(d, t0 + 2s, true), 0ns);
  EXPECT_EQ(starts.clients(), 3u);
  EXPECT_GT(starts.check(a, t0 + 3s, true), 0ns);
  EXPECT_EQ(starts.check(b, t0 + 3s, true), 0ns); // forgotten: a new budget
}

// -- connection_limiter -------------------------------------------------------

TEST(connection_limiter, counts_open_connections_per_client) {
  connection_limiter open{2};
  auto a = key("203.0.113.1"), b = key("203.0.113.2");
  EXPECT_TRUE(open.add(a));
  EXPECT_TRUE(open.add(a));
  EXPECT_FALSE(open.add(a));
  EXPECT_EQ(open.open(a), 2u);
  EXPECT_TRUE(open.add(b));
  open.remove(a);
  EXPECT_TRUE(open.add(a));
  EXPECT_FALSE(open.add(a));
}

TEST(connection_limiter, keeps_only_clients_with_a_connection_open) {
  connection_limiter open{1};
  for (int i = 0; i < 1000; ++i) {
    auto text = "10.0.0." + std::to_string(i % 250);
    auto k = key_of(addr(text.c_str()));
    EXPECT_TRUE(open.add(k));
    open.remove(k);
  }
  EXPECT_EQ(open.clients(), 0u);
  // A refusal leaves nothing behind either; nor does a stray remove.
  connection_limiter none{0};
  EXPECT_FALSE(none.add(key("203.0.113.1")));
  EXPECT_EQ(none.clients(), 0u);
  open.remove(key("203.0.113.9"));
  EXPECT_EQ(open.clients(), 0u);
}

// -- client_limits ------------------------------------------------------------

TEST(client_limits, are_off_by_default) {
  client_limits off;
  EXPECT_FALSE(off.limits_starts());
  EXPECT_FALSE(off.limits_connections());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(off.start(addr("203.0.113.1"), true), 0u);
    auto slot = off.connect(addr("203.0.113.1"));
    ASSERT_TRUE(slot);
    EXPECT_FALSE(slot->counted());
  }
}

TEST(client_limits, a_slot_holds_a_connection_until_it_goes) {
  client_limits limits{0, 2, {}};
  auto a = addr("203.0.113.1");
  auto one = limits.connect(a);
  auto two = limits.connect(a);
  ASSERT_TRUE(one && two);
  EXPECT_TRUE(one->counted());
  EXPECT_FALSE(limits.connect(a));
  EXPECT_TRUE(limits.connect(addr("203.0.113.2")));
  {
    auto moved = std::move(*one);
    EXPECT_FALSE(one->counted());
    EXPECT_FALSE(limits.connect(a));
  }
  auto three = limits.connect(a);
  ASSERT_TRUE(three);
  *two = {};
  EXPECT_TRUE(limits.connect(a));
  *three = {};
  EXPECT_EQ(limits.connected_clients(), 0u);
}

TEST(client_limits, trusted_proxies_are_not_counted_at_accept) {
  client_limits limits{0, 1, proxies({"127.0.0.1"})};
  std::vector<client_slot> held;
  for (int i = 0; i < 10; ++i) {
    auto slot = limits.connect(addr("127.0.0.1"));
    ASSERT_TRUE(slot);
    EXPECT_FALSE(slot->counted());
  }
  // A stream through the proxy counts against the client it forwards.
  auto stream = limits.stream(addr("203.0.113.1"));
  ASSERT_TRUE(stream);
  EXPECT_TRUE(stream->counted());
  EXPECT_FALSE(limits.stream(addr("203.0.113.1")));
  EXPECT_FALSE(limits.connect(addr("203.0.113.1")));
  EXPECT_TRUE(limits.stream(addr("203.0.113.2")));
}

TEST(client_limits, start_says_whole_seconds_to_wait) {
  client_limits limits{7, 0, {}};
  auto a = addr("203.0.113.1");
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(limits.start(a, true), 0u) << i;
  // 60 s / 7 = 8.57 s: rounded up.
  auto wait = limits.start(a, true);
  EXPECT_GE(wait, 8u);
  EXPECT_LE(wait, 9u);
  EXPECT_EQ(limits.start(addr("203.0.113.2"), true), 0u);
  EXPECT_EQ(limits.starting_clients(), 2u);
}

TEST(client_limits, slots_survive_moving_the_limits) {
  client_limits limits{0, 1, {}};
  auto slot = limits.connect(addr("203.0.113.1"));
  ASSERT_TRUE(slot && slot->counted());
  client_limits moved = std::move(limits);
  EXPECT_FALSE(moved.connect(addr("203.0.113.1")));
  *slot = {};
  EXPECT_TRUE(moved.connect(addr("203.0.113.1")));
}
