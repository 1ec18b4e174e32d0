#pragma once

// Runs the real jobcast-run binary and collects its stdout and stderr, so
// that a test can await what it says and how it exits.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace jobcast::test {

class client_process {
public:
  /// Starts jobcast-run with `args`.
  explicit client_process(std::vector<std::string> args);
  ~client_process();

  pid_t pid() const { return pid_; }

  /// Sends `signal` to jobcast-run.
  void signal(int signal);

  /// Waits for it to exit; its wait status, or nothing after `timeout` (it
  /// is then killed).
  std::optional<int>
  wait(std::chrono::milliseconds timeout = std::chrono::seconds{20});

  /// Waits until its stderr holds `text`; false if it did not within
  /// `timeout` or the stream ended without it.
  bool wait_for_stderr(const std::string& text,
                       std::chrono::milliseconds timeout = std::chrono::seconds{
                           10});

  std::string out() const;
  std::string err() const;

private:
  void read(int fd, std::string& into);

  pid_t pid_ = -1;
  std::thread out_reader_;
  std::thread err_reader_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::string out_;
  std::string err_;
  bool err_done_ = false;
};

} // namespace jobcast::test
