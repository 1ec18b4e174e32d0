#pragma once

// How one transport puts a job's events on the wire. A framing is a value
// with no connection state: each transport has one, shared by all of its
// connections (streams.cpp), and the skeleton that carries the bytes is the
// same for all of them (stream_session.hpp).

#include "actors/event.hpp"
#include "actors/job_info.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace jobcast {

class framing {
public:
  framing();
  virtual ~framing() = default;

  framing(const framing&) = delete;
  framing& operator=(const framing&) = delete;

  /// The transport's name on /metrics.
  virtual std::string_view name() const = 0;

  /// The bytes of one event: made once per event (in the event's slot for
  /// this framing) and shared by every connection. Empty if the event shows
  /// nothing in this framing.
  const std::string& encode(const event& ev) const {
    return ev.encoded(slot_, [this](const event& x) { return render(x); });
  }

  /// The last bytes of a stream that ends for `why`; `finished` is the end
  /// of the job itself, after its end event.
  virtual std::string farewell(stream_close why) const = 0;

  /// Bytes that keep an idle stream open through proxies, shared by every
  /// connection; nullptr if the framing sends none.
  virtual const std::string* heartbeat() const { return nullptr; }

  /// Streams of this framing open now (for /metrics).
  std::atomic<std::int64_t>& open_streams() const { return open_; }

protected:
  /// Encodes `ev`; called once per event.
  virtual std::string render(const event& ev) const = 0;

private:
  encoding_slot slot_;
  mutable std::atomic<std::int64_t> open_{0};
};

/// A framing carried in the body of an HTTP response. The connection adds
/// the chunked coding (HTTP/1.1) when it writes, so the bytes here are the
/// payload only, and an HTTP/1.0 client gets the same shared bytes.
class http_framing : public framing {
public:
  virtual std::string_view content_type() const = 0;

  /// Bytes that start the body, right after the header.
  virtual std::string preamble(const job_info& info) const = 0;
};

} // namespace jobcast
