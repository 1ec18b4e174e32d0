#pragma once

// Child processes for command jobs: started in their own process group with
// stdout and stderr piped, read line by line until both pipes close. POSIX
// (Linux) only; no shell is involved anywhere.
//
// Each command runs under a supervisor: a small process (jobcast's own binary,
// started as "jobcast-supervisor <name>") that starts the command as the
// leader of a new process group and ends that whole group when jobcast goes
// away, however it goes away: it holds one end of a socket whose other end
// only jobcast holds, and the kernel closes that end when jobcast dies.
// docs/operations.md ("How commands are contained") has the details and the
// limits.

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

/// A running command. The reader (`pump_lines`, `reap_supervisor`) owns
/// `out_fd`, `err_fd` and reads `control_fd`; whoever stops the command
/// (`signal_group`, `release_child`, `close_control`) owns `control_fd`
/// and closes it only after `reap_supervisor` returned.
struct child_process {
  pid_t pid = -1;        ///< The command; it leads its process group.
  pid_t supervisor = -1; ///< jobcast's own child, watching over the group.
  int out_fd = -1;
  int err_fd = -1;
  int control_fd = -1; ///< jobcast's end of the socket to the supervisor.
};

/// Starts `cmd` under a supervisor that gives the group `kill_grace`
/// between SIGTERM and SIGKILL if jobcast goes away. On failure returns pid
/// -1 and sets `error`.
child_process start_child(const command_spec& cmd,
                          std::chrono::milliseconds kill_grace,
                          std::string& error);

/// Sends `sig` to the child's whole process group. Until the child is
/// released, its supervisor keeps the exited command unreaped, so the group
/// id cannot have been taken by anyone else.
void signal_group(pid_t pid, int sig);

/// Reads both pipes until they close, handing each batch of complete lines
/// to `emit` (stderr lines marked), lines split at `max_line` bytes and
/// invalid UTF-8 replaced; then waits for the child to end and returns its
/// wait status. If the supervisor dies first, the group is killed and the
/// supervisor's wait status is returned. Blocks: run it on a thread of its
/// own.
int pump_lines(child_process& child, std::size_t max_line,
               const std::function<void(std::vector<event_input>)>& emit);

/// Tells the supervisor that jobcast is done with the group: it ends
/// whatever is left of it (SIGTERM, SIGKILL after the grace), reaps it and
/// exits. Also what jobcast's death does, implicitly.
void release_child(const child_process& child);

/// Waits until the supervisor has exited (after `release_child`) and reaps
/// it. Blocks.
void reap_supervisor(child_process& child);

/// Closes jobcast's end of the control socket.
void close_control(child_process& child);

/// "exit code 3", "killed by signal 9", ... for a wait status.
std::string describe_status(int status);

} // namespace jobcast
