#include "redis/url.hpp"

#include <cctype>
#include <limits>

namespace jobcast::redis {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

/// A decimal number no larger than `max`, or -1.
long long number(std::string_view s, long long max) {
  if (!all_digits(s) || s.size() > 10)
    return -1;
  long long value = 0;
  for (char c : s)
    value = value * 10 + (c - '0');
  return value <= max ? value : -1;
}

/// Letters, digits, '-', '.' and '_': what host names and IPv4 addresses
/// are made of.
bool plain_host(std::string_view s) {
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' &&
        c != '_')
      return false;
  return true;
}

bool ipv6_literal(std::string_view s) {
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
      return false;
  return s.find(':') != std::string_view::npos;
}

url_error fail(std::string reason) {
  return {std::move(reason)};
}

} // namespace

std::variant<url, url_error> parse_url(std::string_view text) {
  // Schemes are case-insensitive (RFC 3986), the rest is not.
  auto colon_slashes = text.find("://");
  std::string scheme;
  if (colon_slashes != std::string_view::npos)
    for (char c : text.substr(0, colon_slashes))
      scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "rediss")
    return fail("TLS (rediss://) is not supported; use redis://HOST:PORT");
  if (scheme == "unix" || scheme == "redis+unix")
    return fail("Unix sockets are not supported; use redis://HOST:PORT");
  if (scheme != "redis")
    return fail("must start with redis:// (redis://HOST:PORT[/DB])");
  auto rest = text.substr(colon_slashes + 3);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return fail("query parameters and fragments are not supported");
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (authority.find('@') != std::string_view::npos)
    return fail("passwords and user names (user:password@) are not supported");
  url result;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return fail("has an IPv6 address without its closing ']'");
    auto host = authority.substr(1, close - 1);
    if (!ipv6_literal(host))
      return fail("has a malformed IPv6 address in brackets");
    result.host = std::string{host};
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail("has characters after the IPv6 address's ']'");
      port = after.substr(1);
      if (port.empty())
        return fail("has a ':' with no port after it");
    }
  } else {
    auto colon = authority.find(':');
    if (colon != std::string_view::npos &&
        authority.find(':', colon + 1) != std::string_view::npos)
      return fail("has more than one ':' (IPv6 addresses go in brackets: "
                  "redis://[::1]:6379)");
    auto host = authority.substr(0, colon);
    if (!plain_host(host))
      return fail("has a host with characters other than letters, digits, "
                  "'-', '.' and '_' (IPv6 addresses go in brackets)");
    result.host = std::string{host};
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty())
        return fail("has a ':' with no port after it");
    }
  }
  if (result.host.empty())
    return fail("has no host (redis://HOST:PORT[/DB])");
  if (!port.empty()) {
    auto value = number(port, 65535);
    if (value < 1)
      return fail("has a port that is not a number from 1 to 65535");
    result.port = static_cast<std::uint16_t>(value);
  }
  if (slash != std::string_view::npos) {
    auto db = rest.substr(slash + 1);
    if (!db.empty()) {
      auto value = number(db, std::numeric_limits<std::int32_t>::max());
      if (value < 0)
        return fail("has a database that is not a number from 0 to "
                    "2147483647 (redis://HOST:PORT/DB)");
      result.db = static_cast<std::uint32_t>(value);
    }
  }
  return result;
}

std::string to_string(const url& u) {
  std::string host =
      u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  return "redis://" + host + ":" + std::to_string(u.port) + "/" +
         std::to_string(u.db);
}

} // namespace jobcast::redis
