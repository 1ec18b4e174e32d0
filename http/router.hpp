#pragma once

// Maps a request's method and target to a route. Pure string work with no
// Beast or CAF types, so that it is cheap to test and to fuzz.

#include "actors/event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobcast {

enum class route_id {
  not_found,
  home,          ///< GET, HEAD, POST /
  asset,         ///< GET, HEAD /assets/<name>
  view_progress, ///< GET, HEAD /view-progress/<id>
  metrics,       ///< GET, HEAD /metrics
  healthz,       ///< GET, HEAD /healthz
  job_events,    ///< GET, HEAD /jobs/<id>/events (Server-Sent Events)
  job_ws,        ///< GET /jobs/<id>/ws (WebSocket)
  api_jobs,      ///< GET, HEAD, POST /api/jobs
  api_job,       ///< GET, HEAD, DELETE /api/jobs/<id>
  api_publish,   ///< POST /api/jobs/<id>/events
  api_finish,    ///< POST /api/jobs/<id>/finish
};

/// The HTTP methods jobcast tells apart.
enum class method { get, head, post, put, del, other };

struct route {
  route_id id = route_id::not_found;
  /// The job id for job routes; 0 if the path has no valid id.
  job_id job = 0;
  /// The file name for `asset`.
  std::string name;
  /// `?format=` if given.
  std::string format;
  /// The query string (after '?'), undecoded.
  std::string query;
  /// Whether the method is allowed on this route.
  bool method_allowed = false;
  /// The `Allow` header value for this route.
  std::string_view allow;
};

/// Resolves `target` (path and optional query). A malformed job id (not
/// digits, zero, or out of range) resolves to `not_found`.
route resolve(method m, std::string_view target);

/// Parses a positive decimal job id that fits 64 bits; nothing else.
std::optional<job_id> parse_job_id(std::string_view text);

/// Returns the decoded value of `key` in the query string `query` (the part
/// after '?'), or nullopt if absent.
std::optional<std::string> query_param(std::string_view query,
                                       std::string_view key);

} // namespace jobcast
