#pragma once

#include "http/stream_session.hpp"
#include "http/ws_frame.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace jobcast {

/// A job's events over a WebSocket (see ws_framing). The subscription is
/// made before the handshake is answered, so an unknown job gets a plain
/// 404. Beast answers the handshake; after it the skeleton writes the
/// framing's shared frames itself. This class adds what the client may say
/// (pings, pongs, close, and nothing else), the closing handshake, and a
/// ping after a quiet heartbeat: a client silent for another one is gone.
class ws_session final : public stream_session {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  ws_session(boost::beast::tcp_stream&& stream,
             boost::beast::flat_buffer&& buffer, http_context& ctx,
             const framing& framing, request&& req, stream_request what,
             client_slots slots);

private:
  /// Used for the handshake only, on the skeleton's socket.
  using ws_stream =
      boost::beast::websocket::stream<boost::asio::ip::tcp::socket&>;

  void accept(const job_info& info) override;
  void refuse(stream_close why) override;
  void ending(std::string farewell, std::optional<stream_close> why) override;
  void client_data() override;
  bool wants_client() const override;
  void drained() override;
  void beat() override;

  void on_accept(boost::beast::error_code ec);
  void on_input(ws_input in);
  /// Ends with a close frame of our own after every queued event.
  void close_after_queue(std::uint16_t code, std::string_view reason);

  request http_req_;
  std::optional<ws_stream> ws_;
  ws_reader reader_;
  bool close_received_ = false; ///< The client's close arrived.
  bool lingering_ = false;      ///< Our side is shut; draining the client's.
  bool heard_ = false;  ///< The client sent something since the last beat.
  bool pinged_ = false; ///< A ping is unanswered.
  bool end_when_open_ = false; ///< Nothing to send: close once upgraded.
};

} // namespace jobcast
