#include "http/api.hpp"

#include "http/json.hpp"
#include "http/router.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>

namespace jobcast {

namespace json = boost::json;

namespace {

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
    return std::nullopt;
  return value;
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos)
    return {};
  auto end = text.find_last_not_of(" \t");
  return std::string{text.substr(begin, end - begin + 1)};
}

} // namespace

std::variant<job_spec, bad_input> parse_job_spec(std::string_view body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec)
    return bad_input{"malformed JSON", ec.message()};
  if (!value.is_object())
    return bad_input{"malformed request", "expected a JSON object"};
  job_spec spec;
  for (auto& [key, field] : value.as_object()) {
    if (key == "kind") {
      if (!field.is_string())
        return bad_input{"malformed request", "\"kind\" must be a string"};
      spec.kind = std::string{field.as_string()};
    } else if (key == "title") {
      if (!field.is_string())
        return bad_input{"malformed request", "\"title\" must be a string"};
      spec.title = std::string{field.as_string()};
    } else {
      return bad_input{"malformed request",
                       "unknown field \"" + std::string{key} + "\""};
    }
  }
  if (spec.title.size() > 200)
    return bad_input{"malformed request", "\"title\" is over 200 bytes"};
  return spec;
}

std::variant<job_query, bad_input> parse_job_query(std::string_view query) {
  job_query q;
  if (auto state = query_param(query, "state"); state && !state->empty()) {
    job_state s;
    if (!from_string(*state, s))
      return bad_input{"bad query", "unknown state \"" + *state + "\""};
    q.state = s;
  }
  if (auto limit = query_param(query, "limit")) {
    auto n = parse_u64(*limit);
    if (!n || *n == 0 || *n > 1000)
      return bad_input{"bad query", "limit must be 1 to 1000"};
    q.limit = *n;
  }
  if (auto offset = query_param(query, "offset")) {
    auto n = parse_u64(*offset);
    if (!n)
      return bad_input{"bad query", "offset must be a whole number"};
    q.offset = *n;
  }
  return q;
}

std::string jobs_page_json(const std::vector<job_info>& jobs,
                           const job_query& q) {
  std::string page = "{\"jobs\":[";
  std::size_t total = 0;
  std::size_t shown = 0;
  for (auto& info : jobs) {
    if (q.state && info.state != *q.state)
      continue;
    if (total >= q.offset && shown < q.limit) {
      if (shown++ > 0)
        page += ',';
      page += job_json(info);
    }
    ++total;
  }
  page += "],\"total\":" + std::to_string(total) +
          ",\"offset\":" + std::to_string(q.offset) +
          ",\"limit\":" + std::to_string(q.limit) + "}";
  return page;
}

std::optional<std::uint64_t> resume_position(std::string_view header,
                                             std::string_view query) {
  if (!header.empty())
    return parse_u64(trim(header));
  if (auto param = query_param(query, "last-event-id"))
    return parse_u64(*param);
  return 0;
}

bool prefers_html(std::string_view accept) {
  double html = 0, plain = 0;
  while (!accept.empty()) {
    auto comma = accept.find(',');
    auto item = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{}
                                             : accept.substr(comma + 1);
    auto semi = item.find(';');
    auto type = trim(item.substr(0, semi));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      auto params = item.substr(semi + 1);
      auto qpos = params.find("q=");
      if (qpos != std::string_view::npos) {
        auto qtext = trim(params.substr(qpos + 2, 5));
        char* end = nullptr;
        q = std::strtod(qtext.c_str(), &end);
        if (!std::isfinite(q) || q < 0 || q > 1)
          q = 0;
      }
    }
    if (type == "text/html")
      html = std::max(html, q);
    else if (type == "text/plain" || type == "text/*" || type == "*/*")
      plain = std::max(plain, q);
  }
  return html > 0 && html >= plain;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string render_home(std::string_view page,
                        const std::vector<job_info>& jobs,
                        const std::vector<std::string>& kinds) {
  std::string rows;
  for (auto& info : jobs) {
    auto id = std::to_string(info.id);
    rows += "<tr><td><a href=\"/view-progress/" + id + "\">" + id +
            "</a></td><td>" + html_escape(info.kind) + "</td><td>" +
            std::string{to_string(info.state)} + "</td><td>";
    if (info.progress >= 0)
      rows +=
          std::to_string(static_cast<int>(std::lround(info.progress * 100))) +
          "%";
    else
      rows += "&ndash;";
    rows += "</td><td>" +
            (info.started_ms ? "<time>" + iso_time(info.started_ms) + "</time>"
                             : std::string{"&ndash;"}) +
            "</td></tr>\n";
  }
  if (jobs.empty())
    rows = "<tr><td colspan=\"5\">No jobs yet.</td></tr>\n";
  std::string options;
  for (auto& kind : kinds)
    options += "<option value=\"" + html_escape(kind) + "\">" +
               html_escape(kind) + "</option>";
  std::string result{page};
  auto replace = [&](std::string_view marker, const std::string& with) {
    auto pos = result.find(marker);
    if (pos != std::string::npos)
      result.replace(pos, marker.size(), with);
  };
  replace("<!--jobs-->", rows);
  replace("<!--kinds-->", options);
  return result;
}

} // namespace jobcast
