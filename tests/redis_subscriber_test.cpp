// The Redis pub/sub connection against a real redis-server: delivery, and
// resubscribing (and telling its owner) after every way of losing the
// connection.

#include "redis/subscriber.hpp"
#include "support/redis_test.hpp"

using namespace jobcast;
using namespace jobcast::test;
using namespace std::chrono_literals;
using namespace std::string_literals;
using redis::errc;
using redis::reply;

namespace {

class redis_subscriber : public redis_test {
protected:
  redis::subscriber::handlers handlers() {
    return {[this](redis::message m) { messages.push_back(std::move(m)); },
            [this] { ++resubscribed; }, health.handlers()};
  }

  /// Subscribes (or the like) and awaits the confirmation.
  std::error_code confirm(
      void (redis::subscriber::*change)(std::string, redis::subscriber::done),
      redis::subscriber& s, std::string name) {
    std::optional<std::error_code> got;
    (s.*change)(std::move(name), [&](std::error_code ec) { got = ec; });
    if (!run_until(ioc, [&] { return got.has_value(); }))
      return errc::timeout;
    return *got;
  }

  /// PUBLISHes on a connection of the server's own; returns the receivers.
  std::string publish(const std::string& channel, const std::string& text) {
    return server.command({"PUBLISH", channel, text});
  }

  health_log health;
  std::vector<redis::message> messages;
  int resubscribed = 0;
};

} // namespace

TEST_F(redis_subscriber, delivers_messages_of_channels_and_patterns) {
  redis::subscriber s{ioc, options(), handlers()};
  EXPECT_FALSE(confirm(&redis::subscriber::subscribe, s, "jobcast.job.1"));
  EXPECT_FALSE(confirm(&redis::subscriber::psubscribe, s, "jobcast.job.*"));
  EXPECT_TRUE(s.up());
  auto payload = "seq 1\0\r\n\xff"s;
  EXPECT_EQ(publish("jobcast.job.1", payload), "2");
  EXPECT_EQ(publish("jobcast.job.2", "other"), "1");
  EXPECT_EQ(publish("elsewhere", "nobody"), "0");
  ASSERT_TRUE(run_until(ioc, [&] { return messages.size() == 3; }));
  EXPECT_EQ(messages[0].channel, "jobcast.job.1");
  EXPECT_TRUE(messages[0].payload == payload);
  EXPECT_EQ(messages[0].pattern, "");
  EXPECT_EQ(messages[1].channel, "jobcast.job.1");
  EXPECT_TRUE(messages[1].payload == payload);
  EXPECT_EQ(messages[1].pattern, "jobcast.job.*");
  EXPECT_EQ(messages[2].channel, "jobcast.job.2");
  EXPECT_EQ(messages[2].payload, "other");
  EXPECT_EQ(resubscribed, 0);
}

TEST_F(redis_subscriber, delivers_in_order) {
  redis::subscriber s{ioc, options(), handlers()};
  ASSERT_FALSE(confirm(&redis::subscriber::subscribe, s, "c"));
  auto opts = options();
  opts.timeout = 20s;
  redis::connection c{ioc, opts};
  constexpr int n = 2000;
  for (int i = 1; i <= n; ++i)
    c.request({"PUBLISH", "c", std::to_string(i)},
              [](std::error_code, reply) {});
  ASSERT_TRUE(run_until(ioc, [&] { return messages.size() == n; }));
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(messages[i].payload, std::to_string(i + 1));
}

TEST_F(redis_subscriber, unsubscribing_stops_delivery) {
  redis::subscriber s{ioc, options(), handlers()};
  ASSERT_FALSE(confirm(&redis::subscriber::subscribe, s, "a"));
  ASSERT_FALSE(confirm(&redis::subscriber::subscribe, s, "b"));
  ASSERT_FALSE(confirm(&redis::subscriber::psubscribe, s, "p.*"));
  EXPECT_FALSE(confirm(&redis::subscriber::unsubscribe, s, "a"));
  EXPECT_FALSE(confirm(&redis::subscriber::punsubscribe, s, "p.*"));
  EXPECT_EQ(publish("a", "x"), "0");
  EXPECT_EQ(publish("p.1", "x"), "0");
  EXPECT_EQ(publish("b", "last"), "1");
  ASSERT_TRUE(run_until(ioc, [&] { return !messages.empty(); }));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].channel, "b");
}

TEST_F(redis_subscriber, subscribing_before_it_connected_waits_for_it) {
  redis::subscriber s{ioc, options(), handlers()};
  std::optional<std::error_code> got;
  s.subscribe("early", [&](std::error_code ec) { got = ec; });
  ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
  EXPECT_FALSE(*got) << got->message();
  EXPECT_EQ(publish("early", "x"), "1");
}

TEST_F(redis_subscriber, resubscribes_after_client_kill_and_tells_its_owner) {
  redis::subscriber s{ioc, options(), handlers()};
  ASSERT_FALSE(confirm(&redis::subscriber::subscribe, s, "jobs.7"));
  ASSERT_FALSE(confirm(&redis::subscriber::psubscribe, s, "all.*"));
  EXPECT_EQ(server.command({"CLIENT", "KILL", "TYPE", "pubsub"}), "1");
  ASSERT_TRUE(run_until(ioc, [&] { return resubscribed == 1; }));
  EXPECT_EQ(health.downs, 1);
  EXPECT_EQ(health.last_ec, errc::connection_lost);
  EXPECT_EQ(health.ups, 2);
  EXPECT_TRUE(s.up());
  // Subscribed again, to both.
  EXPECT_EQ(publish("jobs.7", "after"), "1");
  EXPECT_EQ(publish("all.x", "after"), "1");
  ASSERT_TRUE(run_until(ioc, [&] { return messages.size() == 2; }));
  EXPECT_EQ(messages[0].channel, "jobs.7");
  EXPECT_EQ(messages[1].pattern, "all.*");
}

TEST_F(redis_subscriber, resubscribes_after_redis_restarts) {
  redis::subscriber s{ioc, options(), handlers()};
  ASSERT_FALSE(confirm(&redis::subscriber::subscribe, s, "jobs.1"));
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return health.downs == 1; }));
  EXPECT_FALSE(s.up());
  // Asked for while down: refused now, kept for the reconnect.
  EXPECT_EQ(confirm(&redis::subscriber::subscribe, s, "jobs.2"),
            errc::not_connected);
  server.restart();
  ASSERT_TRUE(run_until(ioc, [&] { return resubscribed == 1; }));
  EXPECT_EQ(publish("jobs.1", "one"), "1");
  EXPECT_EQ(publish("jobs.2", "two"), "1");
  ASSERT_TRUE(run_until(ioc, [&] { return messages.size() == 2; }));
  EXPECT_EQ(messages[0].payload, "one");
  EXPECT_EQ(messages[1].payload, "two");
}

TEST_F(redis_subscriber, a_silent_redis_is_noticed_by_ping) {
  auto opts = options();
  opts.ping_interval = 200ms;
  redis::subscriber s{ioc, opts, handlers()};
  ASSERT_FALSE(confirm(&redis::subscriber::subscribe, s, "c"));
  server.pause();
  auto start = clock::now();
  // Nothing is asked of it: only its keep-alive can tell.
  ASSERT_TRUE(run_until(
      ioc, [&] { return health.downs == 1; }, 5s));
  EXPECT_LT(clock::now() - start, 3s)
      << "two ping intervals (400 ms) and the timeout (1 s)";
  EXPECT_EQ(health.last_ec, errc::timeout);
  server.resume();
  ASSERT_TRUE(run_until(ioc, [&] { return resubscribed == 1; }));
  EXPECT_EQ(publish("c", "back"), "1");
}

TEST_F(redis_subscriber, close_fails_what_waits_for_confirmation) {
  redis::subscriber s{ioc, options(), handlers()};
  std::optional<std::error_code> got;
  s.subscribe("c", [&](std::error_code ec) { got = ec; });
  s.close();
  EXPECT_FALSE(got.has_value()) << "a callback ran inside a call";
  ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
  EXPECT_EQ(*got, errc::closed);
}
