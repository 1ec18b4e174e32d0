#pragma once

// UTF-8 as the wire needs it: every text jobcast sends (JSON, WebSocket text
// frames, SSE) must be valid UTF-8, whatever a command printed.

#include <string>
#include <string_view>

namespace jobcast {

/// Replaces invalid UTF-8 sequences with U+FFFD.
std::string sanitize_utf8(std::string_view in);

/// Whether `in` is valid UTF-8.
bool is_valid_utf8(std::string_view in);

} // namespace jobcast
