// jobcast-run: runs a command anywhere and publishes its output, progress
// and end to an external job on a jobcast server (docs/operations.md).

#include "client/arguments.hpp"
#include "client/child_runner.hpp"
#include "client/progress_line.hpp"
#include "client/publisher.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sys/wait.h>

namespace {

using namespace jobcast::run;

/// As jobcast splits a declared command's lines: its default
/// --limits.max-event-bytes.
constexpr std::size_t max_line_bytes = 65536;

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

int run(const run_options& opts) {
  // A reader of our stdout that went away must not end us with the
  // command still running; the command gets SIGPIPE back (child_runner).
  std::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  boost::asio::signal_set stop_signals{io, SIGINT, SIGTERM};
  publisher pub{io, opts};
  child_runner child{io, max_line_bytes, !opts.quiet};
  int received = 0; // The first SIGINT or SIGTERM.
  bool started = false;
  bool ended = false; // The command is over; the job is being ended.
  int exit_code = 0;

  auto end = [&](ending how, int code) {
    ended = true;
    exit_code = code;
    pub.close(std::move(how), [&] {
      stop_signals.cancel();
      io.stop();
    });
  };
  std::function<void()> watch_signals = [&] {
    stop_signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec)
        return;
      if (received == 0)
        received = sig;
      if (ended)
        pub.abandon(); // A second Ctrl-C: do not wait for the server.
      else if (started)
        child.signal(sig);
      watch_signals();
    });
  };
  watch_signals();

  auto on_line = [&](std::string line, bool from_stderr) {
    if (auto fraction = progress_of(line))
      pub.progress(*fraction);
    else
      pub.line(std::move(line), from_stderr);
  };
  auto on_exit = [&](int status) {
    auto code = exit_code_of(status);
    if (received != 0) {
      pub.note(std::string{signal_name(received)} +
               " was passed on to the command, which ended: " +
               describe_status(status));
      return end({ending::kind::cancelled, {}}, code);
    }
    auto ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    end({ok ? ending::kind::succeeded : ending::kind::failed,
         describe_status(status)},
        code);
  };
  pub.open([&](publisher::opened how) {
    if (how == publisher::opened::refused) {
      exit_code = 2;
      return io.stop();
    }
    if (received != 0)
      return end({ending::kind::cancelled, {}}, 128 + received);
    std::string error;
    started = child.start(opts.command, on_line, on_exit, error);
    if (!started) {
      auto why = "cannot run " + opts.command.front() + ": " + error;
      std::cerr << "jobcast-run: " << why << std::endl;
      end({ending::kind::failed, why}, 127);
    }
  });
  io.run();
  return exit_code;
}

} // namespace

int main(int argc, char** argv) {
  auto parsed = parse_arguments({argv + 1, argv + argc}, [](const char* name) {
    return std::getenv(name);
  });
  if (std::holds_alternative<usage_request>(parsed)) {
    std::cout << usage_text();
    return 0;
  }
  if (auto* err = std::get_if<std::string>(&parsed)) {
    std::cerr << "jobcast-run: " << *err << " (see jobcast-run --help)"
              << std::endl;
    return 2;
  }
  return run(std::get<run_options>(parsed));
}
