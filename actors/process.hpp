#pragma once

// Child processes for command jobs: started in their own process group with
// stdout and stderr piped, read line by line until both pipes close. POSIX
// only; no shell is involved anywhere.

#include "actors/job_info.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace jobcast {

/// A command the operator declared in the configuration file.
struct command_spec {
  std::string name;
  std::string exec;              ///< Absolute path of the executable.
  std::vector<std::string> args; ///< Fixed arguments, after argv[0].
  std::string cwd;               ///< Working directory; empty: the server's.
  /// Environment on top of PATH=/usr/local/bin:/usr/bin:/bin.
  std::vector<std::pair<std::string, std::string>> env;
  std::chrono::milliseconds timeout{0}; ///< 0: none.
};

struct child_process {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
};

/// Starts `cmd`. On failure returns pid -1 and sets `error`.
child_process start_child(const command_spec& cmd, std::string& error);

/// Sends `sig` to the child's whole process group.
void signal_group(pid_t pid, int sig);

/// Reads both pipes until they close, handing each batch of complete lines
/// to `emit` (stderr lines marked), lines split at `max_line` bytes and
/// invalid UTF-8 replaced; then reaps the child and returns its wait status.
/// Blocks: run it on a thread of its own.
int pump_lines(const child_process& child, std::size_t max_line,
               const std::function<void(std::vector<event_input>)>& emit);

/// "exit code 3", "killed by signal 9", ... for a wait status.
std::string describe_status(int status);

/// Replaces invalid UTF-8 sequences with U+FFFD.
std::string sanitize_utf8(std::string_view in);

/// Whether `in` is valid UTF-8.
bool is_valid_utf8(std::string_view in);

} // namespace jobcast
