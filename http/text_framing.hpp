#pragma once

#include "http/framing.hpp"

namespace jobcast {

/// The seed's view: `text/plain`, the job's own output, one line per event,
/// each its own chunk.
class text_framing final : public http_framing {
public:
  std::string_view name() const override { return "chunked"; }
  std::string_view content_type() const override;
  std::string preamble(const job_info& info) const override;
  std::string farewell(stream_close why) const override;

protected:
  std::string render(const event& ev) const override;
};

} // namespace jobcast
