#pragma once

#include "http/stream_format.hpp"

namespace jobcast {

/// The seed's view: `text/plain`, one line per event, each its own chunk.
class chunked_text_format final : public stream_format {
public:
  transport kind() const override { return transport::chunked; }
  std::string_view content_type() const override;
  std::string preamble(const job_info& info) const override;
  const std::string& encode(const event& ev) const override;
  std::string farewell(stream_close why) const override;
};

} // namespace jobcast
