#include "http/api.hpp"

#include "actors/utf8.hpp"
#include "http/event_id.hpp"
#include "http/json.hpp"
#include "http/router.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

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

/// Parses a request body that must be one JSON object.
std::variant<json::object, bad_input> parse_object(std::string_view body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec)
    return bad_input{"malformed JSON", ec.message()};
  if (!value.is_object())
    return bad_input{"malformed request", "expected a JSON object"};
  return std::move(value.as_object());
}

} // namespace

std::string media_type(std::string_view content_type) {
  auto type = trim(content_type.substr(0, content_type.find(';')));
  for (auto& c : type)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

bool is_text_plain(std::string_view content_type) {
  return media_type(content_type) == "text/plain";
}

std::optional<bad_input> check_json_type(std::string_view content_type) {
  if (media_type(content_type) == "application/json")
    return std::nullopt;
  return bad_input{"unsupported media type",
                   "the body must be application/json", 415};
}

std::variant<job_spec, bad_input> parse_job_spec(std::string_view body) {
  auto parsed = parse_object(body);
  if (auto* err = std::get_if<bad_input>(&parsed))
    return *err;
  job_spec spec;
  for (auto& [key, field] : std::get<json::object>(parsed)) {
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

namespace {

std::optional<bad_input> check_text(std::string_view text,
                                    std::size_t max_event_bytes) {
  if (text.size() > max_event_bytes)
    return bad_input{"event too large",
                     "an event's text is limited to " +
                         std::to_string(max_event_bytes) + " bytes",
                     413};
  if (!is_valid_utf8(text))
    return bad_input{"invalid text", "text must be valid UTF-8"};
  return std::nullopt;
}

std::variant<event_input, bad_input> event_from(const json::value& value,
                                                std::size_t max_event_bytes) {
  if (!value.is_object())
    return bad_input{"malformed event", "each event is a JSON object"};
  event_input in;
  bool has_text = false;
  for (auto& [key, field] : value.as_object()) {
    if (key == "text") {
      if (!field.is_string())
        return bad_input{"malformed event", "\"text\" must be a string"};
      in.text = std::string{field.as_string()};
      has_text = true;
    } else if (key == "progress") {
      if (field.is_null())
        continue;
      if (!field.is_number())
        return bad_input{"malformed event", "\"progress\" must be a number"};
      auto p = field.to_number<double>();
      if (!(p >= 0.0 && p <= 1.0))
        return bad_input{"malformed event", "\"progress\" must be 0 to 1"};
      in.progress = p;
    } else if (key == "stream") {
      // What declared commands mark, so that a wrapper such as jobcast-run
      // can publish a command's stderr the same way.
      if (!field.is_string() ||
          (field.as_string() != "stdout" && field.as_string() != "stderr"))
        return bad_input{"malformed event",
                         "\"stream\" is \"stdout\" or \"stderr\""};
      in.from_stderr = field.as_string() == "stderr";
    } else {
      return bad_input{"malformed event",
                       "unknown field \"" + std::string{key} + "\""};
    }
  }
  if (!has_text)
    return bad_input{"malformed event", "\"text\" is missing"};
  if (auto err = check_text(in.text, max_event_bytes))
    return *err;
  return in;
}

} // namespace

std::variant<std::vector<event_input>, bad_input>
parse_events(std::string_view body, std::string_view content_type,
             std::size_t max_event_bytes) {
  std::vector<event_input> result;
  if (is_text_plain(content_type)) {
    while (!body.empty()) {
      auto nl = body.find('\n');
      auto line = body.substr(0, nl);
      body = nl == std::string_view::npos ? std::string_view{}
                                          : body.substr(nl + 1);
      if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
      if (auto err = check_text(line, max_event_bytes))
        return *err;
      result.push_back({std::string{line}, -1.0, false});
    }
    if (result.empty())
      return bad_input{"no events", "the body has no lines"};
    return result;
  }
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec)
    return bad_input{"malformed JSON", ec.message()};
  if (value.is_array()) {
    auto& items = value.as_array();
    if (items.empty())
      return bad_input{"no events", "the array is empty"};
    for (auto& item : items) {
      auto ev = event_from(item, max_event_bytes);
      if (auto* err = std::get_if<bad_input>(&ev))
        return *err;
      result.push_back(std::get<event_input>(std::move(ev)));
    }
    return result;
  }
  auto ev = event_from(value, max_event_bytes);
  if (auto* err = std::get_if<bad_input>(&ev))
    return *err;
  result.push_back(std::get<event_input>(std::move(ev)));
  return result;
}

std::variant<finish_request, bad_input>
parse_finish(std::string_view body, std::size_t max_event_bytes) {
  finish_request result;
  if (body.empty())
    return result;
  auto parsed = parse_object(body);
  if (auto* err = std::get_if<bad_input>(&parsed))
    return *err;
  for (auto& [key, field] : std::get<json::object>(parsed)) {
    if (key == "state") {
      if (!field.is_string())
        return bad_input{"malformed request", "\"state\" must be a string"};
      auto state = std::string_view{field.as_string()};
      if (state == "succeeded")
        result.state = job_state::succeeded;
      else if (state == "failed")
        result.state = job_state::failed;
      else
        return bad_input{"malformed request",
                         "\"state\" is \"succeeded\" or \"failed\""};
    } else if (key == "text") {
      if (!field.is_string())
        return bad_input{"malformed request", "\"text\" must be a string"};
      result.text = std::string{field.as_string()};
      if (auto err = check_text(result.text, max_event_bytes))
        return *err;
    } else {
      return bad_input{"malformed request",
                       "unknown field \"" + std::string{key} + "\""};
    }
  }
  return result;
}

std::string bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size())
    return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(scheme[i])))
      return {};
  return trim(authorization.substr(scheme.size()));
}

std::optional<std::string> cookie_value(std::string_view header,
                                        std::string_view name) {
  while (!header.empty()) {
    auto end = header.find(';');
    auto pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view{}
                                           : header.substr(end + 1);
    auto eq = pair.find('=');
    if (eq == std::string::npos || trim(pair.substr(0, eq)) != name)
      continue;
    auto value = trim(pair.substr(eq + 1));
    // A quoted value (RFC 6265 4.1.1) loses its quotes.
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::optional<std::string> form_field(std::string_view body,
                                      std::string_view name) {
  return query_param(body, name);
}

std::variant<job_query, bad_input> parse_job_query(std::string_view query) {
  job_query q;
  if (auto state = query_param(query, "state"); state && !state->empty()) {
    job_state s;
    if (!from_string(*state, s))
      return bad_input{"bad query",
                       "unknown state \"" + sanitize_utf8(*state) + "\""};
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

std::string jobs_page_json(const job_listing& listing, const job_query& q) {
  std::string page = "{\"jobs\":[";
  for (std::size_t i = 0; i < listing.jobs.size(); ++i) {
    if (i > 0)
      page += ',';
    page += job_json(listing.jobs[i]);
  }
  page += "],\"total\":" + std::to_string(listing.total) +
          ",\"offset\":" + std::to_string(q.offset) +
          ",\"limit\":" + std::to_string(q.limit) + "}";
  return page;
}

resume_point resume_position(std::string_view header, std::string_view query) {
  if (!header.empty())
    return parse_event_id(header);
  if (auto param = query_param(query, "last-event-id"))
    return parse_event_id(*param);
  return {};
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

namespace {

/// Replaces every `marker` in `text` by `with`.
void replace_all(std::string& text, std::string_view marker,
                 const std::string& with) {
  for (auto pos = text.find(marker); pos != std::string::npos;
       pos = text.find(marker, pos + with.size()))
    text.replace(pos, marker.size(), with);
}

} // namespace

std::string render_view(std::string_view page, const job_info& info) {
  std::string result{page};
  auto progress = info.progress >= 0 ? info.progress : 0.0;
  if (info.state == job_state::succeeded)
    progress = 1.0;
  char fraction[16];
  std::snprintf(fraction, sizeof(fraction), "%.4g", progress);
  auto percent =
      std::to_string(static_cast<int>(std::lround(progress * 100))) + "%";
  replace_all(result, "<!--id-->", std::to_string(info.id));
  replace_all(result, "<!--kind-->", html_escape(info.kind));
  replace_all(result, "<!--title-->", html_escape(info.title));
  replace_all(result, "<!--state-->", std::string{to_string(info.state)});
  replace_all(result, "<!--fraction-->", fraction);
  replace_all(result, "<!--percent-->", percent);
  return result;
}

std::string render_home(std::string_view page,
                        const std::vector<job_info>& jobs,
                        const std::vector<std::string>& kinds, bool ask_token) {
  std::string rows;
  for (auto& info : jobs) {
    auto id = std::to_string(info.id);
    rows +=
        "<tr><td><a href=\"/view-progress/" + id + "\">" + id +
        "</a></td><td>" + html_escape(info.kind) +
        (info.title.empty() ? std::string{} : ": " + html_escape(info.title)) +
        "</td><td>" + std::string{to_string(info.state)} + "</td><td>";
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
  replace("<!--token-->",
          ask_token ? "<label for=\"token\">Start token</label>"
                      "<input id=\"token\" name=\"token\" type=\"password\" "
                      "autocomplete=\"current-password\" required>"
                    : std::string{});
  return result;
}

} // namespace jobcast
