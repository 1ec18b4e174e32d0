#include "http/sse_framing.hpp"

#include "http/errors.hpp"
#include "http/event_id.hpp"
#include "http/json.hpp"

namespace jobcast {

std::string_view sse_framing::content_type() const {
  return "text/event-stream; charset=utf-8";
}

std::string sse_framing::preamble(const job_info&) const {
  // No blank line: the field joins the first event's block. A block of its
  // own is an empty message to parsers such as fetch-event-source, whose
  // handlers then try to JSON.parse("").
  return "retry: 2000\n";
}

std::string sse_framing::render(const event& x) const {
  std::string text = "id: ";
  text += format_event_id(x.epoch(), x.seq());
  text += "\nevent: ";
  text += to_string(x.type());
  text += "\ndata: ";
  text += event_json(x); // JSON escapes newlines: always one line.
  text += "\n\n";
  return text;
}

std::string sse_framing::farewell(stream_close why) const {
  // EventSource reconnects by itself (after `retry`) and resumes from its
  // Last-Event-ID; the event's name tells other clients why.
  std::string_view name;
  switch (why) {
  case stream_close::shutting_down:
    name = "shutdown";
    break;
  case stream_close::job_lost:
    name = "lost";
    break;
  case stream_close::too_slow:
    name = "overflow";
    break;
  case stream_close::token_expired:
    // Not worth an automatic reconnect: the same token is refused now.
    name = "expired";
    break;
  case stream_close::unknown_job:
  case stream_close::finished:
  case stream_close::overloaded:
    return {};
  }
  auto r = describe(why);
  return "event: " + std::string{name} +
         "\ndata: " + error_json(r.error, r.detail) + "\n\n";
}

const std::string* sse_framing::heartbeat() const {
  // A comment line without a blank one after it: a blank line would end an
  // empty message (see preamble), and no event is half written when a beat
  // goes out, so the line sits between two events' blocks.
  static const std::string bytes = ": heartbeat\n";
  return &bytes;
}

} // namespace jobcast
