#include "http/sse.hpp"

#include "http/json.hpp"

namespace jobcast {

std::string_view sse_format::content_type() const {
  return "text/event-stream; charset=utf-8";
}

std::string sse_format::preamble(const job_info&) const {
  return frame_chunk("retry: 2000\n\n");
}

const std::string& sse_format::encode(const event& ev) const {
  return ev.encoded(transport::sse, [](const event& x) {
    std::string text = "id: ";
    text += std::to_string(x.seq());
    text += "\nevent: ";
    text += to_string(x.type());
    text += "\ndata: ";
    text += event_json(x); // JSON escapes newlines: always one line.
    text += "\n\n";
    return frame_chunk(text);
  });
}

std::string sse_format::farewell(stream_close why) const {
  switch (why) {
  case stream_close::shutting_down:
    // EventSource reconnects by itself (after `retry`) and resumes.
    return frame_chunk("event: shutdown\ndata: " +
                       error_json("shutting down",
                                  "the server is stopping; reconnect to "
                                  "resume") +
                       "\n\n");
  case stream_close::job_lost:
    return frame_chunk(
        "event: lost\ndata: " +
        error_json("job lost", "the job went away without an end") + "\n\n");
  case stream_close::too_slow:
    // EventSource reconnects and resumes from its Last-Event-ID.
    return frame_chunk("event: overflow\ndata: " +
                       error_json("too slow",
                                  "this client fell too far behind; reconnect "
                                  "to resume") +
                       "\n\n");
  case stream_close::unknown_job:
  case stream_close::finished:
  case stream_close::overloaded:
    break;
  }
  return {};
}

const std::string* sse_format::heartbeat() const {
  static const std::string bytes = frame_chunk(": heartbeat\n\n");
  return &bytes;
}

} // namespace jobcast
