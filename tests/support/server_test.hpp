#pragma once

// The fixture every end-to-end test uses: a real jobcast process, stopped
// with SIGTERM after the test, which must then exit with status 0.

#include "support/http_client.hpp"
#include "support/server_process.hpp"

#include <csignal>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <thread>

namespace jobcast::test {

using clock_type = std::chrono::steady_clock;

/// Polls `pred` until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  auto deadline = clock_type::now() + timeout;
  while (clock_type::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

class server_test : public ::testing::Test {
protected:
  void start(std::vector<std::string> args = {"--demo.interval=100ms"}) {
    server_ = std::make_unique<server_process>(std::move(args));
  }

  void TearDown() override {
    if (server_) {
      auto status = server_->stop(SIGTERM);
      EXPECT_TRUE(WIFEXITED(status)) << server_->output();
      EXPECT_EQ(WEXITSTATUS(status), 0) << server_->output();
    }
  }

  std::uint16_t port() const { return server_->port(); }

  /// Starts a demo job with `POST /` and returns its id.
  std::string start_job() {
    auto res = request(port(), "POST", "/");
    EXPECT_EQ(res.status, 303u);
    auto location = res.header("location");
    EXPECT_EQ(location.rfind("/view-progress/", 0), 0u) << location;
    return location.substr(std::string{"/view-progress/"}.size());
  }

  std::unique_ptr<server_process> server_;
};

} // namespace jobcast::test
