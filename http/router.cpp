#include "http/router.hpp"

#include <cctype>
#include <limits>

namespace jobcast {

namespace {

constexpr std::string_view allow_get = "GET, HEAD";
constexpr std::string_view allow_get_post = "GET, HEAD, POST";
constexpr std::string_view allow_get_delete = "GET, HEAD, DELETE";
constexpr std::string_view allow_get_only = "GET";
constexpr std::string_view allow_post = "POST";

bool consume_prefix(std::string_view& str, std::string_view prefix) {
  if (str.substr(0, prefix.size()) != prefix)
    return false;
  str.remove_prefix(prefix.size());
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Decodes %XX and '+'; invalid escapes are kept as they are.
std::string url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
               hex_value(in[i + 2]) >= 0) {
      out +=
          static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

bool is_safe_asset_name(std::string_view name) {
  if (name.empty() || name.front() == '.')
    return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
          c == '_'))
      return false;
  return true;
}

} // namespace

std::optional<job_id> parse_job_id(std::string_view text) {
  if (text.empty() || text.size() > 20)
    return std::nullopt;
  job_id result = 0;
  constexpr auto max = std::numeric_limits<job_id>::max();
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    auto digit = static_cast<job_id>(c - '0');
    if (result > (max - digit) / 10)
      return std::nullopt;
    result = result * 10 + digit;
  }
  if (result == 0)
    return std::nullopt;
  return result;
}

std::optional<std::string> query_param(std::string_view query,
                                       std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    if (url_decode(name) != key)
      continue;
    if (eq == std::string_view::npos)
      return std::string{};
    return url_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

route resolve(method m, std::string_view target) {
  route result;
  auto qmark = target.find('?');
  auto path = target.substr(0, qmark);
  auto query = qmark == std::string_view::npos ? std::string_view{}
                                               : target.substr(qmark + 1);
  auto readable = m == method::get || m == method::head;
  result.query = std::string{query};
  if (path == "/") {
    result.id = route_id::home;
    result.allow = allow_get_post;
    result.method_allowed = readable || m == method::post;
    return result;
  }
  if (path == "/healthz") {
    result.id = route_id::healthz;
    result.allow = allow_get;
    result.method_allowed = readable;
    return result;
  }
  if (path == "/metrics") {
    result.id = route_id::metrics;
    result.allow = allow_get;
    result.method_allowed = readable;
    return result;
  }
  if (consume_prefix(path, "/assets/")) {
    if (!is_safe_asset_name(path))
      return result;
    result.id = route_id::asset;
    result.name = std::string{path};
    result.allow = allow_get;
    result.method_allowed = readable;
    return result;
  }
  if (consume_prefix(path, "/view-progress/")) {
    auto id = parse_job_id(path);
    if (!id)
      return result;
    result.id = route_id::view_progress;
    result.job = *id;
    result.format = query_param(query, "format").value_or("");
    result.allow = allow_get;
    result.method_allowed = readable;
    return result;
  }
  if (path == "/api/jobs") {
    result.id = route_id::api_jobs;
    result.allow = allow_get_post;
    result.method_allowed = readable || m == method::post;
    return result;
  }
  if (consume_prefix(path, "/api/jobs/")) {
    auto slash = path.find('/');
    auto id = parse_job_id(path.substr(0, slash));
    if (!id)
      return result;
    result.job = *id;
    if (slash == std::string_view::npos) {
      result.id = route_id::api_job;
      result.allow = allow_get_delete;
      result.method_allowed = readable || m == method::del;
    } else if (path.substr(slash) == "/events") {
      result.id = route_id::api_publish;
      result.allow = allow_post;
      result.method_allowed = m == method::post;
    } else if (path.substr(slash) == "/finish") {
      result.id = route_id::api_finish;
      result.allow = allow_post;
      result.method_allowed = m == method::post;
    }
    return result;
  }
  if (consume_prefix(path, "/jobs/")) {
    auto slash = path.find('/');
    if (slash == std::string_view::npos)
      return result;
    auto id = parse_job_id(path.substr(0, slash));
    auto rest = path.substr(slash);
    if (!id)
      return result;
    result.job = *id;
    if (rest == "/events") {
      result.id = route_id::job_events;
      result.allow = allow_get;
      result.method_allowed = readable;
    } else if (rest == "/ws") {
      result.id = route_id::job_ws;
      result.allow = allow_get_only;
      result.method_allowed = m == method::get;
    }
    return result;
  }
  return result;
}

} // namespace jobcast
