#pragma once

// The kinds of job jobcast can run, each one record: what starts its work
// and what the registry and the HTTP front end need to know of it. Every
// kind is registered here (the built-in ones) or by `add` (the operator's
// commands, see command.hpp); nothing else compares kind names.

#include "actors/worker.hpp"

#include <caf/timespan.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace jobcast {

/// One kind of job.
struct job_kind {
  std::string name;
  /// Starts the work when the job starts; see worker.hpp.
  worker_launcher launch;
  /// Whether a job of this kind waits for one of the `--workers` slots. Only
  /// kinds that run a process on this machine (declared commands) do: demo,
  /// noop and external jobs cost no more than their actor, and the seed runs
  /// every job the moment it is started.
  bool takes_slot = false;
  /// Fed from outside: starting one mints a publish token.
  bool needs_token = false;
  /// The home page's form offers it.
  bool offered = false;

  /// What the HTTP front end knows of it.
  kind_info info() const { return {name, needs_token, offered}; }
};

/// The kinds a registry can start.
class job_kinds {
public:
  /// Registers `kind`; false (and nothing changes) if its name is taken.
  bool add(job_kind kind);

  /// The kind called `name`, or nullptr.
  const job_kind* find(std::string_view name) const;

  /// Every kind, in the order they were added.
  const std::vector<job_kind>& all() const { return kinds_; }

  /// What the HTTP front end knows of every kind.
  std::vector<kind_info> infos() const;

private:
  std::vector<job_kind> kinds_;
};

/// demo (the seed's job, offered on the home page), external (fed from
/// outside with a publish token) and noop (ends at once: for measuring).
job_kinds builtin_kinds(caf::timespan demo_interval);

/// Whether `name` is a built-in kind (operators cannot declare one).
bool is_builtin_kind(std::string_view name);

} // namespace jobcast
