// Fuzzes the request-header helpers: resume_position() (SSE Last-Event-ID,
// header or query parameter), prefers_html() (Accept), html_escape() and
// bearer_token() (Authorization).
//
// Input: the Last-Event-ID header value, '\n', the query string. The whole
// input is also used as an Accept header, as text to escape and as an
// Authorization header.

#include "common.hpp"
#include "http/api.hpp"
#include "http/router.hpp"

#include <cstring>
#include <utility>

using namespace jobcast;
using namespace jobcast::fuzz;

namespace {

/// The canonical decimal of an accepted value: digits without leading
/// zeros.
std::string_view strip_zeros(std::string_view digits) {
  while (digits.size() > 1 && digits.front() == '0')
    digits.remove_prefix(1);
  return digits;
}

void check_resume(std::string_view header, std::string_view query) {
  auto pos = resume_position(header, query);
  if (!header.empty()) {
    // The header wins, even over a valid query parameter.
    auto trimmed = trim_sp_tab(header);
    FUZZ_CHECK(pos == decimal_u64(trimmed));
    if (pos)
      FUZZ_CHECK(std::to_string(*pos) == strip_zeros(trimmed));
    return;
  }
  auto param = query_param(query, "last-event-id");
  if (!param) {
    FUZZ_CHECK(pos == std::uint64_t{0});
    return;
  }
  FUZZ_CHECK(pos == decimal_u64(*param));
  if (pos)
    FUZZ_CHECK(std::to_string(*pos) == strip_zeros(*param));
}

/// Every value a server sends as an SSE id comes back unchanged, through
/// the header (with the blanks a proxy may add) or the query.
void check_round_trip(std::uint64_t id, std::string_view query) {
  auto text = std::to_string(id);
  FUZZ_CHECK(resume_position(text, query) == id);
  FUZZ_CHECK(resume_position(" " + text + "\t", query) == id);
  FUZZ_CHECK(resume_position("", "last-event-id=" + text) == id);
  FUZZ_CHECK(resume_position("", "a=b&last-event-id=" + text + "&c") == id);
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
