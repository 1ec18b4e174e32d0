#include "actors/output_lines.hpp"

#include "actors/utf8.hpp"

#include <algorithm>

namespace jobcast {

void take_lines(std::string& buf, bool from_stderr, std::size_t max_line,
                bool at_eof, std::vector<event_input>& out) {
  std::size_t start = 0;
  for (;;) {
    auto nl = buf.find('\n', start);
    if (nl == std::string::npos) {
      if (buf.size() - start >= max_line || (at_eof && start < buf.size())) {
        auto len = std::min(buf.size() - start, max_line);
        out.push_back(
            {sanitize_utf8({buf.data() + start, len}), -1.0, from_stderr});
        start += len;
        continue;
      }
      break;
    }
    auto len = nl - start;
    if (len > 0 && buf[nl - 1] == '\r')
      --len;
    for (std::size_t off = 0; off < len || off == 0; off += max_line) {
      auto piece = std::min(max_line, len - off);
      out.push_back({sanitize_utf8({buf.data() + start + off, piece}), -1.0,
                     from_stderr});
      if (len == 0)
        break;
    }
    start = nl + 1;
  }
  buf.erase(0, start);
}

} // namespace jobcast
