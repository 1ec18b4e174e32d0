#pragma once

#include "http/stream_format.hpp"

namespace jobcast {

/// Server-Sent Events: `retry:` first, then per event `id:`, `event:` and one
/// JSON `data:` line. The `id:` lets a client resume with Last-Event-ID.
class sse_format final : public stream_format {
public:
  transport kind() const override { return transport::sse; }
  std::string_view content_type() const override;
  std::string preamble(const job_info& info) const override;
  const std::string& encode(const event& ev) const override;
  std::string farewell(stream_close why) const override;
  const std::string* heartbeat() const override;
};

} // namespace jobcast
