// Fuzzes the publisher API's body parsers: parse_events() under several
// content types, parse_finish(), parse_job_spec() and parse_job_query(), and
// the JSON they lead to (event_json, job_json, jobs_page_json, error_json,
// render_home).
//
// Input: byte 0 picks the content type (bits 0-2) and max_event_bytes
// (bits 3-5, mod 5); the rest is the body.

#include "actors/utf8.hpp"
#include "common.hpp"
#include "http/api.hpp"
#include "http/json.hpp"
#include "http/router.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstring>

using namespace jobcast;
using namespace jobcast::fuzz;
namespace json = boost::json;

namespace {

enum class expect { json, plain, either };

struct content_type {
  std::string_view value;
  expect path;
};

constexpr content_type content_types[] = {
    {"application/json", expect::json},
    {"text/plain", expect::plain},
    {"text/plain; charset=utf-8", expect::plain},
    {" \ttext/plain\t;x=y", expect::plain},
    {"", expect::json},
    {"Text/Plain", expect::either}, // Media types are case-insensitive.
    {"application/x-www-form-urlencoded", expect::json},
    {"text/plainx", expect::json},
};

constexpr std::size_t max_sizes[] = {0, 1, 3, 16, 64 * 1024};

std::optional<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec)
    return std::nullopt;
  return v;
}

void check_rejection(const bad_input& err) {
  FUZZ_CHECK(!err.error.empty());
  FUZZ_CHECK(err.status == 400 || err.status == 413);
  // The error body must be JSON whatever the detail quotes back.
  auto body = parse_json(error_json(err.error, err.detail));
  FUZZ_CHECK(body && body->is_object());
  FUZZ_CHECK(body->as_object().at("detail").as_string() == err.detail);
}

/// An accepted event, and the JSON every transport sends for it.
void check_event(const event_input& in, std::size_t max, std::uint64_t seq) {
  FUZZ_CHECK(in.text.size() <= max);
  FUZZ_CHECK(valid_utf8(in.text));
  FUZZ_CHECK(in.progress == -1.0 || (in.progress >= 0.0 && in.progress <= 1.0));
  FUZZ_CHECK(!in.from_stderr);
  event ev{seq, event_type::progress, in.text, in.progress};
  auto wire = parse_json(event_json(ev));
  FUZZ_CHECK(wire && wire->is_object());
  auto& obj = wire->as_object();
  FUZZ_CHECK(obj.at("text").as_string() == in.text);
  FUZZ_CHECK(obj.at("seq").to_number<std::uint64_t>() == seq);
  auto* progress = obj.if_contains("progress");
  FUZZ_CHECK((progress != nullptr) == (in.progress >= 0.0));
  if (progress) {
    auto p = progress->to_number<double>();
    FUZZ_CHECK(p >= 0.0 && p <= 1.0);
    FUZZ_CHECK(std::fabs(p - in.progress) <= 1e-6);
  }
}

/// text/plain: one event per line, a trailing '\r' dropped. Whether the
/// body is accepted follows from its lines alone.
void check_plain(std::string_view body, std::size_t max,
                 const std::variant<std::vector<event_input>, bad_input>& res) {
  std::vector<std::string_view> lines;
  for (std::string_view rest = body; !rest.empty();) {
    auto nl = rest.find('\n');
    auto line = rest.substr(0, nl);
    rest =
        nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    lines.push_back(line);
  }
  bool acceptable =
      !lines.empty() && std::all_of(lines.begin(), lines.end(), [&](auto l) {
        return l.size() <= max && valid_utf8(l);
      });
  auto* events = std::get_if<std::vector<event_input>>(&res);
  FUZZ_CHECK((events != nullptr) == acceptable);
  if (!events) {
    // The first bad line decides: 413 if it is too long, else 400.
    auto bad = std::find_if(lines.begin(), lines.end(), [&](auto l) {
      return l.size() > max || !valid_utf8(l);
    });
    auto expected = bad != lines.end() && bad->size() > max ? 413u : 400u;
    FUZZ_CHECK(std::get<bad_input>(res).status == expected);
    return;
  }
  FUZZ_CHECK(events->size() == lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    FUZZ_CHECK((*events)[i].text == lines[i]);
    FUZZ_CHECK((*events)[i].progress == -1.0);
  }
}

/// JSON: an accepted body is an event object or a non-empty array of them.
void check_json(std::string_view body,
                const std::variant<std::vector<event_input>, bad_input>& res) {
  auto* events = std::get_if<std::vector<event_input>>(&res);
  auto value = parse_json(body);
  if (!value) {
    FUZZ_CHECK(events == nullptr);
    return;
  }
  if (!events)
    return;
  std::vector<const json::value*> items;
  if (value->is_array()) {
    for (auto& item : value->as_array())
      items.push_back(&item);
  } else {
    items.push_back(&*value);
  }
  FUZZ_CHECK(items.size() == events->size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    FUZZ_CHECK(items[i]->is_object());
    auto& obj = items[i]->as_object();
    FUZZ_CHECK(obj.at("text").as_string() == (*events)[i].text);
    auto* p = obj.if_contains("progress");
    if (p && !p->is_null())
      FUZZ_CHECK(p->to_number<double>() == (*events)[i].progress);
    else
      FUZZ_CHECK((*events)[i].progress == -1.0);
  }
}

void check_events(std::string_view body, const content_type& type,
                  std::size_t max) {
  auto res = parse_events(body, type.value, max);
  if (auto* err = std::get_if<bad_input>(&res)) {
    check_rejection(*err);
  } else {
    auto& events = std::get<std::vector<event_input>>(res);
    FUZZ_CHECK(!events.empty());
    std::uint64_t seq = 1;
    for (auto& in : events)
      check_event(in, max, seq++);
  }
  if (type.path == expect::plain)
    check_plain(body, max, res);
  else if (type.path == expect::json)
    check_json(body, res);
}

void check_finish(std::string_view body, std::size_t max) {
  auto res = parse_finish(body, max);
  if (auto* err = std::get_if<bad_input>(&res)) {
    check_rejection(*err);
    FUZZ_CHECK(!body.empty());
    return;
  }
  auto& fin = std::get<finish_request>(res);
  FUZZ_CHECK(fin.state == job_state::succeeded ||
             fin.state == job_state::failed);
  FUZZ_CHECK(fin.text.size() <= max);
  FUZZ_CHECK(valid_utf8(fin.text));
  if (body.empty())
    FUZZ_CHECK(fin.state == job_state::succeeded && fin.text.empty());
}

void check_job_spec(std::string_view body) {
  auto res = parse_job_spec(body);
  if (auto* err = std::get_if<bad_input>(&res)) {
    check_rejection(*err);
    return;
  }
  auto& spec = std::get<job_spec>(res);
  FUZZ_CHECK(spec.title.size() <= 200);
  FUZZ_CHECK(valid_utf8(spec.kind) && valid_utf8(spec.title));
  FUZZ_CHECK(spec.token_hash.empty());
  // What the API then answers about the job must be JSON with the same
  // kind and title.
  job_info info;
  info.id = 1;
  info.kind = spec.kind;
  info.title = spec.title;
  info.state = job_state::running;
  info.started_ms = 1'700'000'000'000;
  auto out = parse_json(job_json(info, "tok"));
  FUZZ_CHECK(out && out->is_object());
  FUZZ_CHECK(out->as_object().at("kind").as_string() == spec.kind);
  FUZZ_CHECK(out->as_object().at("title").as_string() == spec.title);
  // The home page: neither kind nor title can add markup, so the page has
  // exactly the tags and quotes it has for a harmless kind and title.
  auto page = [&](const std::string& kind, const std::string& title) {
    auto i = info;
    i.kind = kind;
    i.title = title;
    return render_home("<table><!--jobs--></table><select><!--kinds-->"
                       "</select><!--token-->",
                       {i}, {kind}, !title.empty());
  };
  auto count = [](const std::string& s, char c) {
    return std::count(s.begin(), s.end(), c);
  };
  auto fuzzed = page(spec.kind, spec.title);
  auto plain = page("k", spec.title.empty() ? "" : "t");
  for (char c : {'<', '>', '"', '\''})
    FUZZ_CHECK(count(fuzzed, c) == count(plain, c));
}

void check_job_query(std::string_view query) {
  auto res = parse_job_query(query);
  if (auto* err = std::get_if<bad_input>(&res)) {
    check_rejection(*err);
    return;
  }
  auto& q = std::get<job_query>(res);
  FUZZ_CHECK(q.limit >= 1 && q.limit <= 1000);
  if (q.state) {
    auto given = query_param(query, "state");
    FUZZ_CHECK(given && *given == to_string(*q.state));
  }
  // One job in each state, and the page of them the registry would hand
  // out for `q` (it filters and pages; jobs_page_json only renders).
  job_listing listing;
  std::size_t matched = 0;
  for (std::uint8_t s = 0; s < 5; ++s) {
    job_info info;
    info.id = s + 1u;
    info.kind = "demo";
    info.state = static_cast<job_state>(s);
    ++listing.by_state[s];
    if (q.state && *q.state != info.state)
      continue;
    if (matched++ >= q.offset && listing.jobs.size() < q.limit)
      listing.jobs.push_back(info);
  }
  listing.total = matched;
  std::size_t total = q.state ? 1 : 5;
  FUZZ_CHECK(matched == total);
  auto page = parse_json(jobs_page_json(listing, q));
  FUZZ_CHECK(page && page->is_object());
  auto& obj = page->as_object();
  auto shown = q.offset >= total ? 0 : std::min(total - q.offset, q.limit);
  FUZZ_CHECK(obj.at("total").to_number<std::uint64_t>() == total);
  auto& items = obj.at("jobs").as_array();
  FUZZ_CHECK(items.size() == shown);
  for (std::size_t i = 0; i < items.size(); ++i)
    FUZZ_CHECK(items[i].as_object().at("id").to_number<std::uint64_t>() ==
               listing.jobs[i].id);
  FUZZ_CHECK(obj.at("offset").to_number<std::uint64_t>() == q.offset);
  FUZZ_CHECK(obj.at("limit").to_number<std::uint64_t>() == q.limit);
}

void check_utf8_helpers(std::string_view body) {
  auto valid = valid_utf8(body);
  FUZZ_CHECK(is_valid_utf8(body) == valid);
  auto clean = sanitize_utf8(body);
  FUZZ_CHECK(valid_utf8(clean));
  FUZZ_CHECK(clean.size() <= 3 * body.size());
  if (valid)
    FUZZ_CHECK(clean == body);
  FUZZ_CHECK(sanitize_utf8(clean) == clean);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto& type = content_types[data[0] & 7];
  auto max = max_sizes[(data[0] >> 3) % 5];
  std::string_view body{reinterpret_cast<const char*>(data + 1), size - 1};

  check_events(body, type, max);
  check_finish(body, max);
  check_job_spec(body);
  check_job_query(body);
  check_utf8_helpers(body);
  return 0;
}
