#pragma once

// What every mode of the load generator shares: waiting with deadlines, the
// event texts with their markers, creating jobs, and the JSON line's common
// head and tail. The modes themselves are declared at the end.

#include "common.hpp"

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bench {

using error_code = boost::system::error_code;
using clock = std::chrono::steady_clock;

void sleep_ms(int ms);
clock::time_point deadline_after(double seconds);
std::string short_error(const error_code& ec);

/// The text of event `seq`: the marker first, padded to `bytes`.
std::string event_text(std::size_t seq, std::size_t bytes);

/// The status code of a response header (0 if it is not one).
int status_of(const std::string& head);

/// Prints the readable table to stderr and the JSON line to stdout (and
/// appends it to --json-out).
void emit(const options& opt, const json_line& line, const std::string& title);

/// The last two fields of every JSON line.
void add_gauges_and_errors(json_line& line,
                           const std::map<std::string, double>& gauges,
                           const std::map<std::string, std::size_t>& errors);

/// The first fields of every JSON line.
void add_common(json_line& line, const options& opt, const std::string& id);

/// Notes the load average as the run starts (for add_common).
void note_start_load();

/// Creates the scenario's job/channel; if that fails, emits a line that says
/// why and returns false.
bool create_job(dialect& d, http_client& control, const options& opt,
                const std::string& scenario);

/// What the many-job, idle and burst modes start with: the open-file limit,
/// the run's deadline, the server's dialect and a control connection.
struct session {
  explicit session(const options& opt);
  std::uint64_t fd_limit;
  clock::time_point deadline;
  dialect d;
  http_client control;
};

/// The jobs (channels) of a many-job mode and the server's memory before
/// they were created.
struct fleet {
  proc_sample fresh;
  std::vector<job_ref> jobs;
};

/// Creates --jobs jobs; if one fails, emits a line that says why and
/// returns nullopt.
std::optional<fleet> create_jobs(session& s, const options& opt,
                                 const std::string& scenario);

/// The jobs' memory: RSS fresh, and (before − fresh) per job.
void add_job_memory(json_line& line, const fleet& f, const proc_sample& before);

/// Adds a figure that may be missing (null in the JSON line).
void add_optional(json_line& line, const std::string& key,
                  const std::optional<std::int64_t>& value);

int run_fanout(const options& opt);   // loadgen.cpp
int run_replay(const options& opt);   // loadgen.cpp
int run_churn(const options& opt);    // loadgen.cpp
int run_manyjobs(const options& opt); // manyjobs.cpp
int run_idle(const options& opt);     // idle.cpp
int run_burst(const options& opt);    // burst.cpp
int run_report(const options& opt);   // report.cpp
int run_probe(const options& opt);    // loadgen.cpp

} // namespace bench
