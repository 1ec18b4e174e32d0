#pragma once

#include "http/framing.hpp"

namespace jobcast {

/// WebSocket (RFC 6455): each event one JSON text frame, the same JSON as
/// SSE's `data:`; a stream ends with a close frame whose code says why.
class ws_framing final : public framing {
public:
  std::string_view name() const override { return "ws"; }
  std::string farewell(stream_close why) const override;
  /// A ping: a client that answers nothing for a beat after it is gone.
  const std::string* heartbeat() const override;

protected:
  std::string render(const event& ev) const override;
};

} // namespace jobcast
