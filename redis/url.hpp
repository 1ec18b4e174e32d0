#pragma once

// Where a Redis server is: `redis://HOST[:PORT][/DB]`, as `--redis.url`
// takes it.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace jobcast::redis {

struct url {
  /// A host name, an IPv4 address, or an IPv6 address (written in brackets
  /// in the URL, kept without them).
  std::string host;
  std::uint16_t port = 6379;
  /// Selected on every connect (SELECT), unless 0.
  std::uint32_t db = 0;
};

/// A URL that cannot be used, and one line saying why.
struct url_error {
  std::string reason;
};

/// Parses `redis://HOST[:PORT][/DB]`. The port defaults to 6379 and the
/// database to 0. Passwords, TLS (`rediss://`), Unix sockets and query
/// parameters are refused, each with its own reason.
std::variant<url, url_error> parse_url(std::string_view text);

/// `redis://HOST:PORT/DB`, with brackets around an IPv6 address.
std::string to_string(const url& u);

} // namespace jobcast::redis
