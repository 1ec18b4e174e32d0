#pragma once

// The fixture of the Redis client tests: a redis-server of the test's own,
// an io_context the test runs until what it awaits has happened, and
// client options with short timeouts.

#include "redis/connection.hpp"
#include "redis/errc.hpp"
#include "redis/options.hpp"
#include "support/redis_server.hpp"
#include "support/run_until.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <utility>

namespace jobcast::test {

class redis_test : public ::testing::Test {
protected:
  using clock = std::chrono::steady_clock;

  /// What a request got.
  struct answer {
    std::error_code ec;
    redis::reply r;
  };

  redis::options options(std::uint32_t db = 0) const {
    redis::options o;
    o.address = redis::url{"127.0.0.1", server.port(), db};
    o.timeout = std::chrono::milliseconds{1000};
    o.reconnect_initial = std::chrono::milliseconds{20};
    o.reconnect_max = std::chrono::milliseconds{200};
    return o;
  }

  /// Sends one request and runs the io_context until its answer.
  answer call(redis::connection& c, const redis::command_args& args) {
    std::optional<answer> got;
    c.request(args, [&](std::error_code ec, redis::reply r) {
      got = answer{ec, std::move(r)};
    });
    if (!run_until(ioc, [&] { return got.has_value(); }))
      ADD_FAILURE() << "no answer at all";
    return got ? std::move(*got) : answer{redis::errc::timeout, {}};
  }

  /// Counts a client's ups and downs (its health handlers).
  struct health_log {
    int ups = 0;
    int downs = 0;
    std::error_code last_ec;
    std::string last_detail;

    redis::health_handlers handlers() {
      return {[this] { ++ups; },
              [this](std::error_code ec, std::string_view detail) {
                ++downs;
                last_ec = ec;
                last_detail = std::string{detail};
              }};
    }
  };

  redis_server server;
  boost::asio::io_context ioc;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      guard = boost::asio::make_work_guard(ioc);
};

} // namespace jobcast::test
