// Fuzzes the request router: resolve() over jobcast's route table,
// parse_job_id() and query_param(), over arbitrary methods and targets.
//
// Input: byte 0 picks the method (mod 6), the rest is the request target.

#include "common.hpp"
#include "http/router.hpp"
#include "http/routes.hpp"

#include <cctype>
#include <cstring>
#include <vector>

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
  case method::put:
    return "PUT";
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

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (;;) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      return out;
    path.remove_prefix(slash + 1);
  }
}

/// What a path holds for a pattern, matched segment by segment (unlike
/// http/router.cpp, which scans for literals).
struct reference_match {
  job_id job = 0;
  std::string file;
};

/// Whether every placeholder of `pattern` is a whole segment, the only form
/// the reference below knows.
bool whole_segment_placeholders(std::string_view pattern) {
  for (auto seg : segments(pattern)) {
    auto brace = seg.find_first_of("{}");
    if (brace != std::string_view::npos && seg != "{id}" && seg != "{file}")
      return false;
  }
  return true;
}

std::optional<reference_match> match(std::string_view pattern,
                                     std::string_view path) {
  auto want = segments(pattern);
  auto have = segments(path);
  if (want.size() != have.size())
    return std::nullopt;
  reference_match out;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "{id}") {
      auto id = reference_job_id(have[i]);
      if (!id)
        return std::nullopt;
      out.job = *id;
    } else if (want[i] == "{file}") {
      if (!is_safe_name(have[i]))
        return std::nullopt;
      out.file = std::string{have[i]};
    } else if (want[i] != have[i]) {
      return std::nullopt;
    }
  }
  return out;
}

const route* find_route(std::string_view name) {
  for (auto& r : routes())
    if (r.name == name)
      return &r;
  return nullptr;
}

void check_route(method m, std::string_view target) {
  auto r = resolve(routes(), m, target);
  auto qmark = target.find('?');
  auto path = target.substr(0, qmark);
  auto query = qmark == std::string_view::npos ? std::string_view{}
                                               : target.substr(qmark + 1);
  FUZZ_CHECK(r.query == query);
  FUZZ_CHECK(r.api == (path.substr(0, 5) == "/api/"));

  // The reference: the first route whose pattern matches gives the id and
  // file; the first that also takes the method answers; Allow lists the
  // methods of every route that matches.
  const route* first = nullptr;
  const route* answers = nullptr;
  std::optional<reference_match> expected;
  method_set known = 0;
  for (auto& candidate : routes()) {
    auto found = match(candidate.pattern, path);
    if (!found)
      continue;
    known |= candidate.methods;
    if (!first) {
      first = &candidate;
      expected = std::move(found);
    }
    if (!answers && (candidate.methods & bit(m)) != 0)
      answers = &candidate;
  }
  FUZZ_CHECK(r.path_known == (first != nullptr));
  FUZZ_CHECK(r.entry == answers);
  if (!first) {
    FUZZ_CHECK(r.allow.empty());
    FUZZ_CHECK(r.job == 0 && r.file.empty());
    return;
  }
  FUZZ_CHECK(!r.allow.empty());
  for (auto each :
       {method::get, method::head, method::post, method::put, method::del})
    FUZZ_CHECK(allow_lists(r.allow, each) == ((known & bit(each)) != 0));
  if (r.entry)
    FUZZ_CHECK(allow_lists(r.allow, m));
  FUZZ_CHECK(r.job == expected->job);
  FUZZ_CHECK(r.file == expected->file);
  if (!r.file.empty()) {
    // Whatever the target, an asset name never leaves the directory.
    FUZZ_CHECK(path == "/assets/" + r.file);
    FUZZ_CHECK(r.file.find('/') == std::string::npos);
    FUZZ_CHECK(r.file.find("..") != 0);
  }
}

/// The other direction: every well-formed job path resolves, whatever the
/// query after it.
void check_job_routes(method m, job_id id, std::string_view query) {
  struct {
    std::string_view prefix, suffix;
    method takes;
    std::string_view expected;
  } const cases[] = {
      {"/view-progress/", "", method::get, "view_progress"},
      {"/jobs/", "/events", method::get, "job_events"},
      {"/jobs/", "/ws", method::get, "job_ws"},
      {"/api/jobs/", "", method::get, "show_job"},
      {"/api/jobs/", "", method::del, "cancel_job"},
      {"/api/jobs/", "/events", method::post, "publish_events"},
      {"/api/jobs/", "/finish", method::post, "finish_job"},
  };
  for (auto& c : cases) {
    std::string target{c.prefix};
    target += std::to_string(id);
    target += c.suffix;
    target += '?';
    target += query;
    auto r = resolve(routes(), c.takes, target);
    FUZZ_CHECK(r.entry && r.entry == find_route(c.expected));
    FUZZ_CHECK(r.job == id);
    FUZZ_CHECK(r.query == query);
    // Any method: the path is known, with its id.
    auto other = resolve(routes(), m, target);
    FUZZ_CHECK(other.path_known && other.job == id);
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
  static const bool table_ok = [] {
    for (auto& r : routes())
      FUZZ_CHECK(whole_segment_placeholders(r.pattern));
    return true;
  }();
  (void)table_ok;
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
