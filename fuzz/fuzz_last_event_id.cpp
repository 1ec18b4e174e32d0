// Fuzzes the request-header helpers: resume_position() (SSE Last-Event-ID,
// header or query parameter, with event_id.hpp's ids), prefers_html() (Accept),
// html_escape() and bearer_token() (Authorization).
//
// Input: the Last-Event-ID header value, '\n', the query string. The whole
// input is also used as an Accept header, as text to escape and as an
// Authorization header.

#include "common.hpp"
#include "http/api.hpp"
#include "http/event_id.hpp"
#include "http/router.hpp"

#include <cstring>
#include <utility>

using namespace jobcast;
using namespace jobcast::fuzz;

namespace {

bool same(const resume_point& x, const resume_point& y) {
  return x.after == y.after && x.epoch == y.epoch && x.readable == y.readable;
}

/// A readable resume point is a decimal seq, or `<epoch>-<seq>` with the
/// epoch in lower-case base 36; what it says goes back out unchanged.
void check_one(std::string_view text, const resume_point& pos) {
  auto trimmed = trim_sp_tab(text);
  if (trimmed.empty()) {
    FUZZ_CHECK(same(pos, resume_point{}));
    return;
  }
  if (!pos.readable) {
    FUZZ_CHECK(pos.after == 0 && pos.epoch == 0);
    return;
  }
  if (pos.epoch == 0) {
    FUZZ_CHECK(decimal_u64(trimmed) == pos.after);
    return;
  }
  auto canonical = format_event_id(pos.epoch, pos.after);
  // Leading zeros are the only other spelling of the same point.
  FUZZ_CHECK(same(parse_event_id(canonical), pos));
  FUZZ_CHECK(trimmed.size() >= canonical.size());
}

void check_resume(std::string_view header, std::string_view query) {
  auto pos = resume_position(header, query);
  if (!header.empty()) {
    // The header wins, even over a valid query parameter.
    check_one(header, pos);
    return;
  }
  auto param = query_param(query, "last-event-id");
  if (!param) {
    FUZZ_CHECK(same(pos, resume_point{}));
    return;
  }
  check_one(*param, pos);
}

/// Every id a server sends comes back unchanged, through the header (with
/// the blanks a proxy may add) or the query; so does a bare seq.
void check_round_trip(std::uint64_t seq, std::string_view query) {
  auto epoch = static_cast<epoch_t>(seq % 0xFFFFFFFFu) + 1;
  auto id = format_event_id(epoch, seq);
  resume_point expected{seq, epoch, true};
  FUZZ_CHECK(same(resume_position(id, query), expected));
  FUZZ_CHECK(same(resume_position(" " + id + "\t", query), expected));
  FUZZ_CHECK(same(resume_position("", "last-event-id=" + id), expected));
  FUZZ_CHECK(
      same(resume_position("", "a=b&last-event-id=" + id + "&c"), expected));
  auto bare = std::to_string(seq);
  FUZZ_CHECK(same(resume_position(bare, query), resume_point{seq, 0, true}));
}

void check_prefers_html(std::string_view accept) {
  auto html = prefers_html(accept);
  if (accept.find("text/html") == std::string_view::npos)
    FUZZ_CHECK(!html);
  // text/html without q is q=1, which nothing can beat.
  std::string s{accept};
  FUZZ_CHECK(prefers_html("text/html," + s));
  FUZZ_CHECK(prefers_html(s + ",text/html"));
}

void check_html_escape(std::string_view text) {
  static constexpr std::pair<std::string_view, char> entities[] = {
      {"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
      {"&quot;", '"'}, {"&#39;", '\''},
  };
  auto out = html_escape(text);
  FUZZ_CHECK(out.size() <= 6 * text.size());
  std::string back;
  std::string_view rest = out;
  while (!rest.empty()) {
    auto c = rest.front();
    FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'');
    if (c != '&') {
      back += c;
      rest.remove_prefix(1);
      continue;
    }
    bool known = false;
    for (auto& [entity, ch] : entities) {
      if (rest.substr(0, entity.size()) == entity) {
        back += ch;
        rest.remove_prefix(entity.size());
        known = true;
        break;
      }
    }
    FUZZ_CHECK(known); // No bare '&'.
  }
  FUZZ_CHECK(back == text);
}

void check_bearer(std::string_view header) {
  auto token = bearer_token(header);
  constexpr std::string_view scheme = "bearer ";
  bool has_scheme = header.size() > scheme.size();
  for (std::size_t i = 0; has_scheme && i < scheme.size(); ++i) {
    auto c = header[i];
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    has_scheme = c == scheme[i];
  }
  if (!has_scheme)
    FUZZ_CHECK(token.empty());
  else
    FUZZ_CHECK(token == trim_sp_tab(header.substr(scheme.size())));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto nl = input.find('\n');
  auto header = input.substr(0, nl);
  auto query =
      nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);
  check_resume(header, query);
  check_resume({}, query);
  if (size >= 8) {
    std::uint64_t id;
    std::memcpy(&id, data, sizeof(id));
    check_round_trip(id, input.substr(8));
  }
  check_prefers_html(input);
  check_html_escape(input);
  check_bearer(input);
  return 0;
}
