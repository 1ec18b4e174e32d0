#include "http/json.hpp"

#include "actors/utf8.hpp"
#include "http/event_id.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <cstdio>
#include <ctime>

namespace jobcast {

namespace {

/// Builds one flat JSON object. Hand-written rather than json::object so
/// that fractions print as `0.333333`, not `3.33333333E-1`.
class object_writer {
public:
  object_writer()
      : out_("{") {}

  object_writer& field(std::string_view key, std::string_view value) {
    return raw(key, boost::json::serialize(
                        boost::json::string_view{value.data(), value.size()}));
  }

  object_writer& field(std::string_view key, std::uint64_t value) {
    return raw(key, std::to_string(value));
  }

  object_writer& fraction(std::string_view key, double value) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", value);
    return raw(key, buf);
  }

  object_writer& time_or_null(std::string_view key, std::int64_t ms) {
    if (ms == 0)
      return raw(key, "null");
    return field(key, iso_time(ms));
  }

  object_writer& raw(std::string_view key, std::string_view json) {
    if (out_.size() > 1)
      out_ += ',';
    out_ += '"';
    out_ += key; // Keys are ours: plain ASCII, nothing to escape.
    out_ += "\":";
    out_ += json;
    return *this;
  }

  std::string str() && {
    out_ += '}';
    return std::move(out_);
  }

private:
  std::string out_;
};

} // namespace

std::string iso_time(std::int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string event_json(const event& ev) {
  object_writer w;
  // `id` is what a client resumes from (SSE's `id:`); `seq` is the plain
  // number within the job.
  w.field("seq", ev.seq())
      .field("id", format_event_id(ev.epoch(), ev.seq()))
      .field("type", to_string(ev.type()))
      .field("time", iso_time(ev.time_ms()))
      .field("text", ev.text());
  if (ev.has_progress())
    w.fraction("progress", ev.progress());
  if (ev.from_stderr())
    w.field("stream", "stderr");
  w.field("state", to_string(ev.state()));
  return std::move(w).str();
}

std::string job_json(const job_info& info, std::string_view token) {
  object_writer w;
  w.field("id", info.id)
      .field("kind", info.kind)
      .field("title", info.title)
      .field("state", to_string(info.state));
  if (info.progress >= 0)
    w.fraction("progress", info.progress);
  else
    w.raw("progress", "null");
  w.time_or_null("created", info.created_ms)
      .time_or_null("started", info.started_ms)
      .time_or_null("finished", info.finished_ms)
      .field("events", info.events)
      .field("subscribers", std::uint64_t{info.subscribers});
  if (info.state == job_state::queued)
    w.field("queue_position", std::uint64_t{info.queue_position});
  if (!token.empty())
    w.field("token", token);
  return std::move(w).str();
}

std::string seq_range_json(std::uint64_t events, std::uint64_t first,
                           std::uint64_t last) {
  object_writer w;
  w.field("events", events);
  if (events > 0)
    w.field("first", first).field("last", last);
  return std::move(w).str();
}

std::string seqs_json(const std::vector<std::uint64_t>& seqs) {
  std::string list = "[";
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (i > 0)
      list += ',';
    list += std::to_string(seqs[i]);
  }
  list += ']';
  object_writer w;
  w.raw("seqs", list);
  return std::move(w).str();
}

std::string error_json(std::string_view error, std::string_view detail) {
  // Details may quote what a client sent, invalid UTF-8 included; the JSON
  // we answer with must stay valid (found by fuzz_events).
  object_writer w;
  w.field("error", sanitize_utf8(error)).field("detail", sanitize_utf8(detail));
  return std::move(w).str();
}

} // namespace jobcast
