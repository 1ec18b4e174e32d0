#pragma once

// How a stream of events is put on the wire inside a chunked HTTP response.
// Each transport (plain text, Server-Sent Events) is one implementation. All
// bytes a format returns are complete HTTP chunks, so a connection only
// concatenates them.

#include "actors/event.hpp"
#include "actors/job_info.hpp"

#include <string>
#include <string_view>

namespace jobcast {

class stream_format {
public:
  virtual ~stream_format() = default;

  /// The transport this format implements (its slot in the event cache).
  virtual transport kind() const = 0;

  virtual std::string_view content_type() const = 0;

  /// Bytes that start the body, right after the header.
  virtual std::string preamble(const job_info& info) const = 0;

  /// The bytes of one event: encoded once per event, shared by every
  /// connection. Empty if the event shows nothing in this format.
  virtual const std::string& encode(const event& ev) const = 0;

  /// Bytes for a stream that ends without the job's end event.
  virtual std::string farewell(stream_close why) const = 0;

  /// Bytes that keep an idle stream open through proxies, shared by every
  /// connection; nullptr if the format sends none.
  virtual const std::string* heartbeat() const { return nullptr; }
};

/// Frames `payload` as one HTTP chunk; empty for an empty payload (an empty
/// chunk would end the body).
std::string frame_chunk(std::string_view payload);

/// The chunk that ends a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

} // namespace jobcast
