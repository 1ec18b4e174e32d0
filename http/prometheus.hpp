#pragma once

#include "http/connection.hpp"

#include <string>

namespace jobcast {

/// The process's counters in Prometheus text format (version 0.0.4).
std::string render_metrics(const connection_tracker& connections);

} // namespace jobcast
