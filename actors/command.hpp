#pragma once

#include "actors/job_kinds.hpp"
#include "actors/process.hpp"
#include "actors/worker.hpp"

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>
#include <optional>
#include <vector>

namespace jobcast {

/// How command jobs treat their processes.
struct command_options {
  /// Time between SIGTERM and SIGKILL when a command is stopped.
  caf::timespan kill_grace = std::chrono::seconds{2};
  /// Longer output lines are split into several events.
  std::size_t max_line = 64 * 1024;
};

/// Runs `cmd` as a child process: each line of its stdout and stderr becomes
/// an event, in order; exit 0 ends the job `succeeded`, anything else
/// `failed`. Over its timeout, or when the job is cancelled or the server
/// stops, the process group gets SIGTERM, then SIGKILL after the grace
/// period; the worker ends only once the child is reaped. Should jobcast
/// itself die, the command's supervisor does the same (see process.hpp).
worker_launcher command_job(command_spec cmd, command_options options);

/// The job kind of a declared command: it takes a worker slot, and the home
/// page offers it.
job_kind command_kind(command_spec cmd, command_options options);

/// Reads the `commands` section of the configuration:
///   [commands]
///   backup = { exec = "/usr/bin/rsync", args = ["-a", "/src", "/dst"],
///              cwd = "/srv", env = { LANG = "C.UTF-8" }, timeout = 10min }
/// Returns nullopt and sets `error` for a malformed declaration.
std::optional<std::vector<command_spec>>
read_commands(const caf::settings& config, std::string& error);

} // namespace jobcast
