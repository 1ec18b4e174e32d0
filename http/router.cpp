#include "http/router.hpp"

#include <cctype>
#include <limits>

namespace jobcast {

namespace {

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

namespace {

/// Matches `path` against `pattern`, filling the placeholders into `out`.
bool match_pattern(std::string_view pattern, std::string_view path,
                   route_match& out) {
  while (!pattern.empty()) {
    auto brace = pattern.find('{');
    auto literal = pattern.substr(0, brace);
    if (!consume_prefix(path, literal))
      return false;
    if (brace == std::string_view::npos)
      return path.empty();
    auto close = pattern.find('}', brace);
    auto placeholder = pattern.substr(brace + 1, close - brace - 1);
    pattern.remove_prefix(close + 1);
    // A placeholder takes one segment: up to the next '/' of the path.
    auto slash = path.find('/');
    auto segment = path.substr(0, slash);
    path.remove_prefix(segment.size());
    if (placeholder == "id") {
      auto id = parse_job_id(segment);
      if (!id)
        return false;
      out.job = *id;
    } else if (placeholder == "file") {
      if (!is_safe_asset_name(segment))
        return false;
      out.file = std::string{segment};
    } else {
      return false;
    }
  }
  return path.empty();
}

} // namespace

std::string allow_header(method_set methods) {
  static constexpr std::pair<method, std::string_view> names[] = {
      {method::get, "GET"},    {method::head, "HEAD"},
      {method::post, "POST"},  {method::put, "PUT"},
      {method::del, "DELETE"}, {method::options, "OPTIONS"},
  };
  std::string result;
  for (auto& [m, name] : names) {
    if ((methods & bit(m)) == 0)
      continue;
    if (!result.empty())
      result += ", ";
    result += name;
  }
  return result;
}

route_match resolve(const std::vector<route>& table, method m,
                    std::string_view target) {
  route_match result;
  auto qmark = target.find('?');
  auto path = target.substr(0, qmark);
  result.query = qmark == std::string_view::npos
                     ? std::string{}
                     : std::string{target.substr(qmark + 1)};
  method_set known = 0;
  for (auto& r : table) {
    route_match candidate;
    if (!match_pattern(r.pattern, path, candidate))
      continue;
    known |= r.methods;
    if (!result.path_known) {
      result.path_known = true;
      result.job = candidate.job;
      result.file = std::move(candidate.file);
    }
    if (!result.entry && (r.methods & bit(m)) != 0)
      result.entry = &r;
  }
  if (result.path_known)
    result.allow = allow_header(known);
  result.api = path.substr(0, 5) == "/api/";
  return result;
}

} // namespace jobcast
