#pragma once

#include "http/stream_session.hpp"

namespace jobcast {

/// A stream in the body of an HTTP response (plain text, SSE): the header,
/// then the framing's bytes as chunks (HTTP/1.1) or close-delimited
/// (HTTP/1.0). After the end a keep-alive connection goes on as a session.
class http_stream final : public stream_session {
public:
  http_stream(boost::beast::tcp_stream&& stream,
              boost::beast::flat_buffer&& buffer, http_context& ctx,
              const http_framing& framing, stream_request req,
              client_slots slots);

private:
  void accept(const job_info& info) override;
  void refuse(stream_close why) override;
  void ending(std::string farewell, std::optional<stream_close> why) override;
  void client_data() override;
  void drained() override;

  const http_framing& format_;
};

} // namespace jobcast
