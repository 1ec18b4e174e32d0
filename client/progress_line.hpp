#pragma once

// The convention by which a command run under jobcast-run reports progress:
// a line `::progress 0.42` (a fraction from 0 to 1) on stdout or stderr sets
// the job's progress and is not published as a line.

#include <optional>
#include <string_view>

namespace jobcast::run {

/// The fraction a progress line reports, or nothing if `line` is not one
/// (it is then an ordinary line).
std::optional<double> progress_of(std::string_view line);

} // namespace jobcast::run
