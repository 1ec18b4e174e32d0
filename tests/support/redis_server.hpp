#pragma once

// A real redis-server of a test's own: on a free port of 127.0.0.1, in a
// temporary directory, with nothing saved; killed when the test ends. Tests
// pause it (SIGSTOP), kill it and start it again on the same port to see
// what clients do.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace jobcast::test {

class redis_server {
public:
  /// Starts redis-server with `args` added and waits until it answers PING.
  explicit redis_server(std::vector<std::string> args = {});
  ~redis_server();

  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  /// `redis://127.0.0.1:<port>/<db>`.
  std::string url(std::uint32_t db = 0) const;

  /// SIGSTOP: the server holds its connections and answers nothing.
  void pause();
  /// SIGCONT.
  void resume();
  /// SIGKILL, and waits for it: its connections break at once.
  void kill();
  /// After `kill`: the same port again, empty (as Redis after a crash,
  /// without persistence).
  void restart();

  /// Runs one command on a connection of its own (hiredis's blocking API,
  /// not the client under test), in database `db`. Returns the reply as
  /// text: a string or status as it is, an integer in decimal, `(nil)`,
  /// `(error) <text>`, an array's elements joined by ','.
  std::string command(const std::vector<std::string>& args,
                      std::uint32_t db = 0) const;

  /// What the server printed, for failure messages.
  std::string output() const;

private:
  /// Starts the process on `port_`; returns false if the port was taken.
  bool launch();
  void read_output(int fd);
  void reap();

  std::vector<std::string> args_;
  std::string dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

} // namespace jobcast::test
