#pragma once

// Output cut into events the way every reader of raw output needs it: at
// line ends, long lines at a byte limit, invalid UTF-8 replaced. Declared
// commands and streamed text/plain publishes share it, so a line means the
// same wherever it came from.

#include "actors/job_info.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace jobcast {

/// Moves the complete lines of `buf` into `out` (without `\n` or `\r\n`),
/// cutting lines longer than `max_line` bytes into pieces. Keeps the
/// unfinished rest in `buf`, unless it reached `max_line` or `at_eof`.
void take_lines(std::string& buf, bool from_stderr, std::size_t max_line,
                bool at_eof, std::vector<event_input>& out);

} // namespace jobcast
