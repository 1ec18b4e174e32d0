#pragma once

#include "http/framing.hpp"

namespace jobcast {

/// Server-Sent Events: `retry:` first, then per event `id:`, `event:` and one
/// JSON `data:` line. The `id:` lets a client resume with Last-Event-ID.
class sse_framing final : public http_framing {
public:
  std::string_view name() const override { return "sse"; }
  std::string_view content_type() const override;
  std::string preamble(const job_info& info) const override;
  std::string farewell(stream_close why) const override;
  const std::string* heartbeat() const override;

protected:
  std::string render(const event& ev) const override;
};

} // namespace jobcast
