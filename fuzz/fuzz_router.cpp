// Fuzzes the request router: resolve(), parse_job_id() and query_param()
// over arbitrary methods and targets.
//
// Input: byte 0 picks the method (mod 6), the rest is the request target.

#include "common.hpp"
#include "http/router.hpp"

#include <cctype>
#include <cstring>

using namespace jobcast;
using namespace jobcast::fuzz;

namespace {

constexpr method methods[] = {method::get, method::head, method::post,
                              method::put, method::del,  method::other};

std::optional<job_id> reference_job_id(std::string_view s) {
  if (s.size() > 20)
    return std::nullopt;
  auto v = decimal_u64(s);
  if (!v || *v == 0)
    return std::nullopt;
  return v;
}

std::string_view method_name(method m) {
  switch (m) {
  case method::get:
    return "GET";
  case method::head:
    return "HEAD";
  case method::post:
    return "POST";
  case method::del:
    return "DELETE";
  default:
    return {};
  }
}

/// Whether the comma-separated `allow` lists `m`.
bool allow_lists(std::string_view allow, method m) {
  auto name = method_name(m);
  if (name.empty())
    return false;
  while (!allow.empty()) {
    auto comma = allow.find(',');
    if (trim_sp_tab(allow.substr(0, comma)) == name)
      return true;
    allow = comma == std::string_view::npos ? std::string_view{}
                                            : allow.substr(comma + 1);
  }
  return false;
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.front() == '.')
    return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
          c == '_'))
      return false;
  return true;
}

/// Checks that `path` is `prefix` + a valid id equal to `job` + `suffix`.
void check_job_path(std::string_view path, std::string_view prefix,
                    std::string_view suffix, job_id job) {
  FUZZ_CHECK(path.size() >= prefix.size() + suffix.size());
  FUZZ_CHECK(path.substr(0, prefix.size()) == prefix);
  FUZZ_CHECK(path.substr(path.size() - suffix.size()) == suffix);
  auto digits =
      path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
  auto id = reference_job_id(digits);
  FUZZ_CHECK(id && *id == job);
}

void check_route(method m, std::string_view target) {
  auto r = resolve(m, target);
  auto qmark = target.find('?');
  auto path = target.substr(0, qmark);
  auto query = qmark == std::string_view::npos ? std::string_view{}
                                               : target.substr(qmark + 1);
  FUZZ_CHECK(r.query == query);
  if (r.id == route_id::not_found) {
    FUZZ_CHECK(!r.method_allowed);
    FUZZ_CHECK(r.allow.empty());
    return;
  }
  FUZZ_CHECK(!r.allow.empty());
  FUZZ_CHECK(r.method_allowed == allow_lists(r.allow, m));
  if (r.id != route_id::view_progress)
    FUZZ_CHECK(r.format.empty());
  if (r.id != route_id::asset)
    FUZZ_CHECK(r.name.empty());
  switch (r.id) {
  case route_id::home:
    FUZZ_CHECK(path == "/" && r.job == 0);
    break;
  case route_id::metrics:
    FUZZ_CHECK(path == "/metrics" && r.job == 0);
    break;
  case route_id::healthz:
    FUZZ_CHECK(path == "/healthz" && r.job == 0);
    break;
  case route_id::api_jobs:
    FUZZ_CHECK(path == "/api/jobs" && r.job == 0);
    break;
  case route_id::asset:
    FUZZ_CHECK(r.job == 0);
    FUZZ_CHECK(is_safe_name(r.name));
    FUZZ_CHECK(path == "/assets/" + r.name);
    // Whatever the target, an asset name never leaves the directory.
    FUZZ_CHECK(r.name.find('/') == std::string::npos);
    FUZZ_CHECK(r.name.find("..") != 0);
    break;
  case route_id::view_progress:
    check_job_path(path, "/view-progress/", "", r.job);
    FUZZ_CHECK(r.format == query_param(query, "format").value_or(""));
    break;
  case route_id::job_events:
    check_job_path(path, "/jobs/", "/events", r.job);
    break;
  case route_id::job_ws:
    check_job_path(path, "/jobs/", "/ws", r.job);
    break;
  case route_id::api_job:
    check_job_path(path, "/api/jobs/", "", r.job);
    break;
  case route_id::api_publish:
    check_job_path(path, "/api/jobs/", "/events", r.job);
    break;
  case route_id::api_finish:
    check_job_path(path, "/api/jobs/", "/finish", r.job);
    break;
  default:
    // A route this target does not know yet: at least a job id it reports
    // must be valid.
    break;
  }
}

/// The other direction: every well-formed job path resolves, whatever the
/// query after it.
void check_job_routes(method m, job_id id, std::string_view query) {
  struct {
    std::string_view prefix, suffix;
    route_id expected;
  } const cases[] = {
      {"/view-progress/", "", route_id::view_progress},
      {"/jobs/", "/events", route_id::job_events},
      {"/jobs/", "/ws", route_id::job_ws},
      {"/api/jobs/", "", route_id::api_job},
      {"/api/jobs/", "/events", route_id::api_publish},
      {"/api/jobs/", "/finish", route_id::api_finish},
  };
  for (auto& c : cases) {
    std::string target{c.prefix};
    target += std::to_string(id);
    target += c.suffix;
    target += '?';
    target += query;
    auto r = resolve(m, target);
    FUZZ_CHECK(r.id == c.expected);
    FUZZ_CHECK(r.job == id);
    FUZZ_CHECK(r.query == query);
  }
}

void check_query_param(std::string_view data) {
  // Any query: a decoded value is never longer than the query.
  for (auto key : {"format", "last-event-id", "state", "limit", ""}) {
    auto v = query_param(data, key);
    if (v)
      FUZZ_CHECK(v->size() <= data.size());
  }
  // Round trip: a fully percent-encoded pair decodes to the original bytes,
  // also behind an unrelated pair.
  auto eq = data.find('=');
  auto key = data.substr(0, eq);
  auto value =
      eq == std::string_view::npos ? std::string_view{} : data.substr(eq + 1);
  if (key != "x") {
    auto query =
        "x=1&" + percent_encode_all(key) + "=" + percent_encode_all(value);
    auto got = query_param(query, key);
    FUZZ_CHECK(got && *got == value);
  }
  // Plain text needs no encoding.
  if (value.find_first_of("%+&") == std::string_view::npos) {
    auto got = query_param("k=" + std::string{value}, "k");
    FUZZ_CHECK(got && *got == value);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto m = methods[data[0] % 6];
  std::string_view target{reinterpret_cast<const char*>(data + 1), size - 1};

  check_route(m, target);

  FUZZ_CHECK(parse_job_id(target) == reference_job_id(target));

  // The query part (everything, if there is no '?') as a query string.
  auto qmark = target.find('?');
  auto query =
      qmark == std::string_view::npos ? target : target.substr(qmark + 1);
  check_query_param(query);

  // Eight bytes of the target as a job id, for the well-formed paths.
  if (target.size() >= 8) {
    job_id id;
    std::memcpy(&id, target.data(), sizeof(id));
    if (id != 0)
      check_job_routes(m, id, target.substr(8));
  }
  return 0;
}
