#pragma once

// Runs an io_context until something happened: tests await events, they do
// not sleep.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

namespace jobcast::test {

/// Runs handlers of `ioc` until `done()` holds; false if it did not within
/// `timeout`. The io_context needs work that keeps it from running out
/// (an executor_work_guard).
template <class Done>
bool run_until(boost::asio::io_context& ioc, Done done,
               std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    ioc.run_one_until(deadline);
  }
  return true;
}

} // namespace jobcast::test
