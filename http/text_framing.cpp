#include "http/text_framing.hpp"

#include "http/errors.hpp"

namespace jobcast {

std::string_view text_framing::content_type() const {
  return "text/plain; charset=utf-8";
}

std::string text_framing::preamble(const job_info&) const {
  return {};
}

std::string text_framing::render(const event& x) const {
  // The text view is the job's own output and nothing else: queue status,
  // gap and reset notices are typed events of the other transports. A
  // successful end adds nothing (the seed's log is exactly its lines); a
  // failed or cancelled one ends with its reason.
  if (x.text().empty() || x.type() == event_type::status ||
      x.type() == event_type::gap || x.type() == event_type::reset)
    return {};
  return (x.from_stderr() ? "stderr: " : "") + x.text() + "\n";
}

std::string text_framing::farewell(stream_close why) const {
  if (why == stream_close::finished)
    return {};
  // One last line in the words every transport uses for this cause.
  auto r = describe(why);
  return std::string{r.error} + ": " + std::string{r.detail} + "\n";
}

} // namespace jobcast
