#pragma once

// The command jobcast-run runs: started in a process group of its own (as
// jobcast starts a declared command), its stdout and stderr read through
// pipes on the io_context and handed on line by line, its end reported once
// both pipes are done. Linux/POSIX only.

#include "client/line_splitter.hpp"

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace jobcast::run {

class child_runner {
public:
  using line_fn = std::function<void(std::string line, bool from_stderr)>;
  using exit_fn = std::function<void(int wait_status)>;

  /// Lines are cut at `max_line` bytes. With `echo`, the output is also
  /// copied, byte for byte, to this process's stdout and stderr.
  child_runner(boost::asio::io_context& io, std::size_t max_line, bool echo);
  ~child_runner();

  /// Starts `argv` (looked up in PATH) with stdin inherited; false, with
  /// the reason in `error`, if it cannot be. `on_exit` runs once, after the
  /// last line.
  bool start(const std::vector<std::string>& argv, line_fn on_line,
             exit_fn on_exit, std::string& error);

  /// Sends `sig` to the command's process group, while it has not been
  /// reaped.
  void signal(int sig);

private:
  struct pipe_reader {
    explicit pipe_reader(boost::asio::io_context& io, std::size_t max_line)
        : fd(io)
        , lines(max_line) {}
    boost::asio::posix::stream_descriptor fd;
    line_splitter lines;
    std::array<char, 65536> buf;
    bool open = false;
    bool echo = true;
  };

  void read(pipe_reader& r, bool from_stderr);
  void wait_exit();
  void done_if_finished();

  boost::asio::io_context& io_;
  bool echo_;
  boost::asio::signal_set sigchld_;
  boost::asio::steady_timer linger_;
  pipe_reader out_;
  pipe_reader err_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  line_fn on_line_;
  exit_fn on_exit_;
};

/// "exit code 3", "killed by signal 9": the words jobcast uses for a
/// declared command's end.
std::string describe_status(int wait_status);

/// The status a shell would give: the exit code, or 128 + the signal.
int exit_code_of(int wait_status);

} // namespace jobcast::run
