#pragma once

#include "actors/job_info.hpp"
#include "http/connection.hpp"

#include <string>
#include <vector>

namespace jobcast {

/// The process's counters in Prometheus text format (version 0.0.4).
/// `jobs` counts jobs known to the registry by state; `actors` is the
/// number of CAF actors alive.
std::string render_metrics(const connection_tracker& connections,
                           const std::array<std::size_t, 5>& jobs_by_state,
                           std::size_t actors);

} // namespace jobcast
