#pragma once

// Runs the real jobcast binary on an ephemeral port and collects its output.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace jobcast::test {

class server_process {
public:
  /// Starts jobcast with `--http.port=0` plus `args` and waits until it
  /// listens.
  explicit server_process(std::vector<std::string> args = {});
  ~server_process();

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  /// Sends `signal` and waits for the process; returns its exit status as
  /// `waitpid` reports it.
  int stop(int signal = 15);

  /// Waits until a line of output contains `text`; returns whether one did
  /// before `timeout`.
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds timeout = std::chrono::seconds{
                           10});

  /// Everything the process printed so far (stdout and stderr).
  std::string output() const;

private:
  void read_output(int fd);

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::thread reader_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

} // namespace jobcast::test
