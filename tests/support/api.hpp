#pragma once

// What the end-to-end tests say to jobcast's JSON API again and again:
// starting jobs, reading ids and tokens from replies, the server's memory.
// One copy here instead of one per test file.

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <sys/types.h>

namespace jobcast::test {

/// Parses a reply body that must be one JSON object (throws otherwise).
boost::json::object parse_object(const std::string& text);

/// `POST /api/jobs` with `body`; expects 201 and returns the reply body.
std::string api_start(std::uint16_t port, const std::string& body);

/// Starts a job of `kind` (`{"kind": kind}`); returns the reply body.
std::string start_kind(std::uint16_t port, const std::string& kind);

/// Starts a demo job; returns its id.
std::string start_demo(std::uint16_t port);

/// The `id` of a job in a reply body, as the decimal used in paths.
std::string id_of(const std::string& body);

/// The publish `token` in the reply to starting an external job.
std::string token_of(const std::string& body);

/// The resident set of process `pid` in KiB (VmRSS), or -1.
long rss_kib(pid_t pid);

/// Under AddressSanitizer freed memory sits in a quarantine, so RSS says
/// nothing about leaks there; LeakSanitizer checks the server at exit
/// instead.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool rss_is_meaningful = false;
#else
inline constexpr bool rss_is_meaningful = true;
#endif

} // namespace jobcast::test
