#pragma once

// Maps a request's method and target to a line of a route table. Pure string
// work with no Beast or CAF types, so that it is cheap to test and to fuzz;
// the table itself (http/routes.cpp) names each route's handler.

#include "actors/event.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobcast {

/// The HTTP methods jobcast tells apart.
enum class method : std::uint8_t { get, head, post, put, del, options, other };

/// A set of methods, one bit each.
using method_set = std::uint16_t;

constexpr method_set bit(method m) {
  return static_cast<method_set>(1u << static_cast<unsigned>(m));
}

/// GET and HEAD: HEAD works wherever GET does.
inline constexpr method_set reads = bit(method::get) | bit(method::head);

/// Who may use a route. Checked in one place (http/authorize.cpp) before the
/// route's handler runs, and before a `100 Continue` is sent. Without
/// `--auth.jwt-key` the reading guards let everyone in, as `anyone` does.
enum class guard : std::uint8_t {
  /// Always open: assets (no job data in them) and `/healthz`.
  anyone,
  /// A page without a job (the home page): any valid access token, which
  /// then also decides which jobs the page lists.
  visitor,
  /// One job's page, stream or JSON: `jobcast.view` names the route's job.
  viewer,
  /// Every job (`GET /api/jobs`): `jobcast.view` is `"*"`.
  lister,
  /// Starts jobs: the start token, if the server has one; with access
  /// tokens, `jobcast.start` names the kind (checked once the body is read).
  starter,
  /// Cancels a job: the start token, if the server has one; with access
  /// tokens, `jobcast.cancel` names the route's job.
  canceller,
  /// Publishes to an external job: a Bearer publish token (its hash goes to
  /// the job, which alone knows whether it is the right one). Independent
  /// of access tokens.
  publisher,
  /// `/metrics`: any valid access token, unless `--auth.public-metrics`.
  scraper,
};

/// Which pages a browser may send a route's requests from. Checked in
/// http/authorize.cpp by `Origin`, or `Sec-Fetch-Site` without it; requests
/// with neither (curl, scripts) pass.
enum class sites : std::uint8_t {
  /// Reads: any page (the same-origin policy keeps their answers from
  /// other sites' pages).
  any,
  /// State-changing requests and WebSocket handshakes (which the
  /// same-origin policy does not cover): jobcast's own pages and those of
  /// `--http.cors-origins` only.
  own,
};

/// Which per-client budget a route's requests spend. Checked in
/// http/authorize.cpp with the other checks.
enum class budget : std::uint8_t {
  none,
  /// Creates a job: `--limits.starts-per-minute`.
  starts,
};

class exchange;

/// Answers one request: see http/exchange.hpp.
using handler = void (*)(const std::shared_ptr<exchange>& ex);

/// One line of a route table.
struct route {
  /// For logs and tests: `home`, `job_events`, ...
  std::string_view name;
  method_set methods;
  /// Literal segments, `{id}` (a job id: see `parse_job_id`) and `{file}` (an
  /// asset name: letters, digits, `.`, `-`, `_`, not starting with `.`).
  std::string_view pattern;
  guard needs;
  sites from;
  handler handle;
  budget spends = budget::none;
};

/// What a target resolved to.
struct route_match {
  /// The route for this path and method; nullptr if there is none.
  const route* entry = nullptr;
  /// Whether some route has this path (if `entry` is null: 405, not 404).
  bool path_known = false;
  /// The methods the routes of this path take, for `Allow`.
  std::string allow;
  /// `{id}` of the path; 0 if it has none.
  job_id job = 0;
  /// `{file}` of the path.
  std::string file;
  /// The query string (after '?'), undecoded.
  std::string query;
  /// Under `/api/`: errors are JSON.
  bool api = false;
};

/// Resolves `target` (path and optional query) against `table`. A path that
/// matches no pattern (a malformed job id, say) is not known.
route_match resolve(const std::vector<route>& table, method m,
                    std::string_view target);

/// `GET, HEAD, POST` for a method set, in a fixed order.
std::string allow_header(method_set methods);

/// Parses a positive decimal job id that fits 64 bits; nothing else.
std::optional<job_id> parse_job_id(std::string_view text);

/// Returns the decoded value of `key` in the query string `query` (the part
/// after '?'), or nullopt if absent.
std::optional<std::string> query_param(std::string_view query,
                                       std::string_view key);

} // namespace jobcast
