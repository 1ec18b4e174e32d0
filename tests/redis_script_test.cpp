// Lua scripts through the Redis connection: EVALSHA, EVAL when Redis does
// not have the script, and scripts loaded again after a reconnect.

#include "redis/connection.hpp"
#include "redis/script.hpp"
#include "support/redis_test.hpp"

using namespace jobcast;
using namespace jobcast::test;
using redis::reply;

namespace {

class redis_script : public redis_test {
protected:
  answer eval(redis::connection& c, const redis::script& s,
              const redis::command_args& keys,
              const redis::command_args& args) {
    std::optional<answer> got;
    c.eval(s, keys, args, [&](std::error_code ec, reply r) {
      got = answer{ec, std::move(r)};
    });
    if (!run_until(ioc, [&] { return got.has_value(); }))
      ADD_FAILURE() << "no answer at all";
    return got ? std::move(*got) : answer{redis::errc::timeout, {}};
  }

  /// How often Redis answered NOSCRIPT so far (INFO errorstats).
  int noscripts() {
    auto info = server.command({"INFO", "errorstats"});
    auto at = info.find("errorstat_NOSCRIPT:count=");
    if (at == std::string::npos)
      return 0;
    return std::stoi(info.substr(at + 25));
  }

  // Increments a counter and returns its new value with the argument: a
  // script whose effect shows how often it ran.
  redis::script counter{
      "local n = redis.call('INCR', KEYS[1]) return {n, ARGV[1]}"};
};

} // namespace

TEST_F(redis_script, names_scripts_by_their_sha1) {
  EXPECT_EQ(redis::script{"return 1"}.sha1(),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  EXPECT_EQ(server.command({"SCRIPT", "LOAD", "return 1"}),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_F(redis_script, falls_back_to_eval_on_noscript) {
  redis::connection c{ioc, options()};
  // Up first: a script run while connecting is loaded by the handshake.
  ASSERT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
  auto first = eval(c, counter, {"n"}, {"a"});
  EXPECT_FALSE(first.ec);
  EXPECT_EQ(first.r, reply::make_array(
                         {reply::make_integer(1), reply::make_string("a")}));
  EXPECT_EQ(noscripts(), 1) << "EVALSHA first, then EVAL";
  EXPECT_EQ(server.command({"SCRIPT", "EXISTS", counter.sha1()}), "1");
  // Loaded now: EVALSHA alone.
  EXPECT_EQ(
      eval(c, counter, {"n"}, {"b"}).r,
      reply::make_array({reply::make_integer(2), reply::make_string("b")}));
  EXPECT_EQ(noscripts(), 1);
  // An operator flushes the script cache: EVAL again, and it ran once.
  EXPECT_EQ(server.command({"SCRIPT", "FLUSH"}), "OK");
  EXPECT_EQ(
      eval(c, counter, {"n"}, {"c"}).r,
      reply::make_array({reply::make_integer(3), reply::make_string("c")}));
  EXPECT_EQ(noscripts(), 2);
}

TEST_F(redis_script, errors_of_a_script_are_replies) {
  health_log health;
  redis::connection c{ioc, options(), health.handlers()};
  auto a = eval(c, redis::script{"return redis.error_reply('JOBCAST stale')"},
                {}, {});
  EXPECT_FALSE(a.ec);
  EXPECT_TRUE(a.r.is_error("JOBCAST")) << to_string(a.r);
  auto broken = eval(c, redis::script{"this is not lua"}, {}, {});
  EXPECT_FALSE(broken.ec);
  EXPECT_TRUE(broken.r.is_error()) << to_string(broken.r);
  // The next handshake loads every script that ran, the broken one too,
  // and still comes up.
  EXPECT_EQ(server.command({"CLIENT", "KILL", "TYPE", "normal"}), "1");
  ASSERT_TRUE(run_until(ioc, [&] { return health.ups == 2; }));
  EXPECT_EQ(call(c, {"PING"}).r, reply::make_status("PONG"));
}

TEST_F(redis_script, scripts_are_loaded_again_after_a_reconnect) {
  health_log health;
  redis::connection c{ioc, options(), health.handlers()};
  ASSERT_FALSE(eval(c, counter, {"n"}, {"x"}).ec);
  server.restart(); // empty: no scripts
  ASSERT_TRUE(run_until(ioc, [&] { return health.ups == 2; }));
  EXPECT_EQ(server.command({"SCRIPT", "EXISTS", counter.sha1()}), "1");
  EXPECT_EQ(
      eval(c, counter, {"n"}, {"y"}).r,
      reply::make_array({reply::make_integer(1), reply::make_string("y")}));
  EXPECT_EQ(noscripts(), 0) << "the handshake loaded it";
}
