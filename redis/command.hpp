#pragma once

// One Redis command in its wire form (a RESP array of bulk strings),
// formatted by hiredis.

#include <string>
#include <string_view>
#include <vector>

namespace jobcast::redis {

/// The command's name and arguments; each may hold any bytes (NUL, CR, LF).
/// The views need to live only for the call that takes them.
using command_args = std::vector<std::string_view>;

/// Appends `args` in RESP to `out` (hiredis's `redisFormatCommandArgv`).
/// `args` must not be empty.
void append_command(std::string& out, const command_args& args);

/// `args` in RESP.
std::string format_command(const command_args& args);

} // namespace jobcast::redis
