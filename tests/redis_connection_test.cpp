// The Redis command connection against a real redis-server: replies,
// pipelining, and what it does when Redis pauses, dies and comes back.

#include "redis/connection.hpp"
#include "support/redis_test.hpp"

using namespace jobcast;
using namespace jobcast::test;
using namespace std::chrono_literals;
using namespace std::string_literals;
using redis::errc;
using redis::reply;

namespace {

class redis_connection : public redis_test {};

} // namespace

TEST_F(redis_connection, answers_replies_of_every_kind) {
  redis::connection c{ioc, options()};
  EXPECT_EQ(call(c, {"SET", "k", "v"}).r, reply::make_status("OK"));
  EXPECT_EQ(call(c, {"GET", "k"}).r, reply::make_string("v"));
  EXPECT_EQ(call(c, {"GET", "missing"}).r, reply{});
  EXPECT_EQ(call(c, {"INCR", "n"}).r, reply::make_integer(1));
  EXPECT_EQ(call(c, {"DECRBY", "n", "5"}).r, reply::make_integer(-4));
  EXPECT_EQ(call(c, {"RPUSH", "l", "a", "b"}).r, reply::make_integer(2));
  EXPECT_EQ(
      call(c, {"LRANGE", "l", "0", "-1"}).r,
      reply::make_array({reply::make_string("a"), reply::make_string("b")}));
  EXPECT_EQ(call(c, {"LRANGE", "none", "0", "-1"}).r, reply::make_array({}));
  EXPECT_EQ(call(c, {"MGET", "k", "missing"}).r,
            reply::make_array({reply::make_string("v"), reply{}}));
  // Nested arrays, as XRANGE answers.
  EXPECT_EQ(call(c, {"XADD", "s", "1-0", "f", "x"}).r,
            reply::make_string("1-0"));
  EXPECT_EQ(call(c, {"XRANGE", "s", "-", "+"}).r,
            reply::make_array({reply::make_array(
                {reply::make_string("1-0"),
                 reply::make_array(
                     {reply::make_string("f"), reply::make_string("x")})})}));
  // A refusal is a reply, not a failure.
  auto wrong = call(c, {"HGET", "l", "f"});
  EXPECT_FALSE(wrong.ec);
  EXPECT_TRUE(wrong.r.is_error("WRONGTYPE")) << to_string(wrong.r);
  auto unknown = call(c, {"NO-SUCH-COMMAND"});
  EXPECT_FALSE(unknown.ec);
  EXPECT_TRUE(unknown.r.is_error("ERR")) << to_string(unknown.r);
}

TEST_F(redis_connection, arguments_and_replies_are_binary_safe) {
  redis::connection c{ioc, options()};
  std::string key = "key with spaces\r\n\0"s;
  std::string value = "\0\r\n\xff$3\r\n*1\r\n"s;
  // A megabyte: many reads, and a reply that arrives in pieces.
  for (int i = 0; i < 65536; ++i)
    value +=
        static_cast<char>(i % 256) + "xyz\0\r\n\xfe\x80\x01\x7f\x0a\r\n\r"s;
  EXPECT_EQ(call(c, {"SET", key, value}).r, reply::make_status("OK"));
  EXPECT_EQ(call(c, {"STRLEN", key}).r,
            reply::make_integer(static_cast<std::int64_t>(value.size())));
  auto got = call(c, {"GET", key});
  ASSERT_EQ(got.r.kind, redis::reply_kind::string);
  EXPECT_TRUE(got.r.text == value);
  EXPECT_EQ(call(c, {"SET", "", ""}).r, reply::make_status("OK"));
  EXPECT_EQ(call(c, {"GET", ""}).r, reply::make_string(""));
}

TEST_F(redis_connection, pipelines_ten_thousand_requests_in_order) {
  auto opts = options();
  opts.timeout = 20s; // a slow (sanitized) build is no timeout
  redis::connection c{ioc, opts};
  ASSERT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
  constexpr int n = 10000;
  std::vector<std::int64_t> seen;
  std::vector<int> order;
  // All made before the io_context runs again: all in flight together.
  for (int i = 0; i < n; ++i)
    c.request({"INCR", "counter"}, [&, i](std::error_code ec, reply r) {
      EXPECT_FALSE(ec) << ec.message();
      order.push_back(i);
      seen.push_back(r.integer);
    });
  ASSERT_TRUE(run_until(ioc, [&] { return seen.size() == n; }));
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(order[i], i);
    ASSERT_EQ(seen[i], i + 1) << "reply " << i << " went to another request";
  }
}

TEST_F(redis_connection, mixed_pipelined_replies_reach_their_requests) {
  auto opts = options();
  opts.timeout = 20s;
  redis::connection c{ioc, opts};
  std::vector<reply> got(300);
  int answered = 0;
  for (int i = 0; i < 100; ++i) {
    auto key = "k" + std::to_string(i);
    auto value = std::string(static_cast<std::size_t>(i), 'x');
    c.request({"SET", key, value},
              [&, i](std::error_code, reply r) { got[3 * i] = r, ++answered; });
    c.request({"GET", key}, [&, i](std::error_code, reply r) {
      got[3 * i + 1] = r, ++answered;
    });
    c.request({"STRLEN", key}, [&, i](std::error_code, reply r) {
      got[3 * i + 2] = r, ++answered;
    });
  }
  ASSERT_TRUE(run_until(ioc, [&] { return answered == 300; }));
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(got[3 * i], reply::make_status("OK"));
    EXPECT_EQ(got[3 * i + 1], reply::make_string(std::string(
                                  static_cast<std::size_t>(i), 'x')));
    EXPECT_EQ(got[3 * i + 2], reply::make_integer(i));
  }
}

TEST_F(redis_connection, selects_the_database_of_its_url) {
  redis::connection c{ioc, options(3)};
  EXPECT_EQ(call(c, {"SET", "where", "three"}).r, reply::make_status("OK"));
  EXPECT_EQ(server.command({"GET", "where"}, 3), "three");
  EXPECT_EQ(server.command({"GET", "where"}, 0), "(nil)");
}

TEST_F(redis_connection, a_database_redis_does_not_have_keeps_it_down) {
  health_log health;
  redis::connection c{ioc, options(99), health.handlers()};
  auto a = call(c, {"PING"});
  EXPECT_EQ(a.ec, errc::not_connected);
  EXPECT_EQ(health.downs, 1);
  EXPECT_NE(health.last_detail.find("DB index is out of range"),
            std::string::npos)
      << health.last_detail;
  EXPECT_FALSE(c.up());
}

TEST_F(redis_connection, refuses_an_empty_command) {
  redis::connection c{ioc, options()};
  EXPECT_EQ(call(c, {}).ec, errc::empty_command);
  // And the connection goes on.
  EXPECT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
}

TEST_F(redis_connection, requests_made_while_connecting_wait_for_it) {
  health_log health;
  redis::connection c{ioc, options(), health.handlers()};
  EXPECT_FALSE(c.up());
  EXPECT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
  EXPECT_TRUE(c.up());
  EXPECT_EQ(health.ups, 1);
  EXPECT_EQ(health.downs, 0);
}

TEST_F(redis_connection, an_unreachable_redis_fails_requests_at_once) {
  health_log health;
  server.kill();
  auto opts = options();
  opts.timeout = 10s;
  redis::connection c{ioc, opts, health.handlers()};
  auto start = clock::now();
  EXPECT_EQ(call(c, {"PING"}).ec, errc::not_connected);
  EXPECT_EQ(call(c, {"PING"}).ec, errc::not_connected);
  EXPECT_LT(clock::now() - start, 2s) << "waited for the timeout (10 s)";
  EXPECT_EQ(health.downs, 1);
  EXPECT_NE(health.last_detail.find("cannot connect"), std::string::npos)
      << health.last_detail;
}

TEST_F(redis_connection, while_it_is_down_requests_fail_without_waiting) {
  health_log health;
  auto opts = options();
  // The next attempt comes 1 to 2 s after the loss: a request that waited
  // for it would be seen waiting.
  opts.reconnect_initial = opts.reconnect_max = 2s;
  redis::connection c{ioc, opts, health.handlers()};
  ASSERT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return health.downs == 1; }));
  auto start = clock::now();
  EXPECT_EQ(call(c, {"PING"}).ec, errc::not_connected);
  EXPECT_LT(clock::now() - start, 500ms);
}

TEST_F(redis_connection, a_paused_redis_times_out_within_the_bound_and_heals) {
  health_log health;
  redis::connection c{ioc, options(), health.handlers()};
  ASSERT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
  server.pause();
  auto start = clock::now();
  auto a = call(c, {"SET", "k", "v"});
  auto waited = clock::now() - start;
  EXPECT_EQ(a.ec, errc::timeout) << a.ec.message();
  EXPECT_GE(waited, 950ms);
  EXPECT_LT(waited, 2s) << "the timeout is 1 s";
  // The connection is presumed dead: what follows does not wait longer.
  for (int i = 0; i < 3; ++i) {
    start = clock::now();
    EXPECT_TRUE(call(c, {"PING"}).ec);
    EXPECT_LT(clock::now() - start, 2s);
  }
  EXPECT_EQ(health.downs, 1);
  server.resume();
  ASSERT_TRUE(run_until(ioc, [&] { return health.ups == 2; }));
  EXPECT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
  // What timed out still ran once Redis woke up: a timeout says "unknown".
  EXPECT_EQ(call(c, {"GET", "k"}).r, reply::make_string("v"));
}

TEST_F(redis_connection, pending_requests_fail_at_once_when_redis_dies) {
  auto opts = options();
  opts.timeout = 20s; // so that nothing here can be a timeout
  redis::connection c{ioc, opts};
  ASSERT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
  server.pause();
  std::vector<std::error_code> failed;
  for (int i = 0; i < 5; ++i)
    c.request({"INCR", "n"},
              [&](std::error_code ec, reply) { failed.push_back(ec); });
  // Written, unanswered: in flight.
  ioc.poll();
  EXPECT_TRUE(failed.empty());
  auto start = clock::now();
  server.kill();
  ASSERT_TRUE(run_until(
      ioc, [&] { return failed.size() == 5; }, 5s));
  EXPECT_LT(clock::now() - start, 2s);
  for (auto ec : failed)
    EXPECT_EQ(ec, errc::connection_lost) << ec.message();
}

TEST_F(redis_connection, reconnects_after_a_restart) {
  health_log health;
  redis::connection c{ioc, options(2), health.handlers()};
  ASSERT_EQ(call(c, {"SET", "before", "1"}).r, reply::make_status("OK"));
  server.kill();
  ASSERT_TRUE(run_until(ioc, [&] { return health.downs == 1; }));
  EXPECT_EQ(health.last_ec, errc::connection_lost);
  EXPECT_FALSE(c.up());
  EXPECT_EQ(call(c, {"PING"}).ec, errc::not_connected);
  server.restart();
  ASSERT_TRUE(run_until(ioc, [&] { return health.ups == 2; }));
  EXPECT_TRUE(c.up());
  EXPECT_GE(c.failures(), 1u);
  // In the URL's database again.
  EXPECT_EQ(call(c, {"SET", "after", "1"}).r, reply::make_status("OK"));
  EXPECT_EQ(server.command({"GET", "after"}, 2), "1");
}

TEST_F(redis_connection, close_fails_what_is_pending) {
  redis::connection c{ioc, options()};
  std::vector<std::error_code> got;
  c.request({"PING"}, [&](std::error_code ec, reply) { got.push_back(ec); });
  c.close();
  c.request({"PING"}, [&](std::error_code ec, reply) { got.push_back(ec); });
  EXPECT_TRUE(got.empty()) << "a callback ran inside a call";
  ASSERT_TRUE(run_until(ioc, [&] { return got.size() == 2; }));
  EXPECT_EQ(got[0], errc::closed);
  EXPECT_EQ(got[1], errc::closed);
}

TEST_F(redis_connection, destroying_it_answers_what_is_pending) {
  std::optional<std::error_code> got;
  {
    redis::connection c{ioc, options()};
    ASSERT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
    server.pause();
    c.request({"PING"}, [&](std::error_code ec, reply) { got = ec; });
    ioc.poll();
  }
  ASSERT_TRUE(run_until(ioc, [&] { return got.has_value(); }));
  EXPECT_EQ(*got, errc::closed);
  server.resume();
}
