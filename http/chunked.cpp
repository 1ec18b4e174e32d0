#include "http/chunked.hpp"

#include <cstdio>

namespace jobcast {

std::string frame_chunk(std::string_view payload) {
  if (payload.empty())
    return {};
  char size[20];
  auto n = std::snprintf(size, sizeof(size), "%zx\r\n", payload.size());
  std::string result;
  result.reserve(static_cast<std::size_t>(n) + payload.size() + 2);
  result.append(size, static_cast<std::size_t>(n));
  result.append(payload);
  result.append("\r\n");
  return result;
}

std::string_view chunked_text_format::content_type() const {
  return "text/plain; charset=utf-8";
}

std::string chunked_text_format::preamble(const job_info&) const {
  return {};
}

const std::string& chunked_text_format::encode(const event& ev) const {
  return ev.encoded(transport::chunked, [](const event& x) {
    // A successful end adds nothing: the seed's log is exactly its lines.
    if (x.text().empty())
      return std::string{};
    return frame_chunk((x.from_stderr() ? "stderr: " : "") + x.text() + "\n");
  });
}

std::string chunked_text_format::farewell(stream_close why) const {
  switch (why) {
  case stream_close::shutting_down:
    return frame_chunk("server shutting down; the job's log may be "
                       "incomplete\n");
  case stream_close::job_lost:
    return frame_chunk("job lost; its log may be incomplete\n");
  case stream_close::too_slow:
    return frame_chunk("too slow: this viewer fell too far behind and was "
                       "disconnected\n");
  case stream_close::unknown_job:
  case stream_close::finished:
  case stream_close::overloaded:
    break;
  }
  return {};
}

} // namespace jobcast
