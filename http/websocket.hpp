#pragma once

#include "actors/event_sink.hpp"
#include "http/connection.hpp"
#include "http/context.hpp"
#include "http/gateway.hpp"
#include "http/outbox.hpp"
#include "http/responses.hpp"
#include "http/ws_frame.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <memory>
#include <optional>

namespace jobcast {

/// A job's events over a WebSocket: one JSON text frame per event, the end
/// event last, then a normal close (1000). The subscription is made before
/// the handshake is answered, so an unknown job gets a plain 404.
///
/// Beast answers the handshake; after it the session frames its own bytes
/// (ws_frame.hpp): each event's frame is built once and shared with every
/// viewer through an `outbox`, like SSE. It pings after a quiet heartbeat
/// and gives up on a client that stays silent for another one.
class ws_session : public connection,
                   public event_sink,
                   public std::enable_shared_from_this<ws_session> {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  ws_session(boost::beast::tcp_stream&& stream,
             boost::beast::flat_buffer&& buffer, http_context& ctx,
             request&& req, job_id job, std::uint64_t after);
  ~ws_session() override;

  void run();

  void opened(const job_info& info) override;
  void deliver(const event_ptr& ev) override;
  void flush() override;
  void closed(stream_close why) override;
  void shutdown() override;

private:
  /// Used for the handshake only, on a socket it does not own.
  using ws_stream =
      boost::beast::websocket::stream<boost::asio::ip::tcp::socket&>;

  boost::asio::ip::tcp::socket& socket();
  void on_accept(boost::beast::error_code ec);
  void read_some();
  void on_read(boost::beast::error_code ec, std::size_t n);
  void on_input(ws_input in);
  void write_some();
  /// Queues a close frame after every queued event; the socket closes when
  /// the client answers it (or after `read_timeout`).
  void close_after_queue(std::uint16_t code, std::string_view reason);
  void schedule_heartbeat();
  void abort();

  boost::beast::tcp_stream tcp_;
  /// The connection from the handshake on.
  std::optional<boost::asio::ip::tcp::socket> socket_;
  std::optional<ws_stream> ws_;
  boost::beast::flat_buffer buffer_;
  http_context& ctx_;
  request req_;
  job_id job_;
  std::uint64_t after_;
  connection_tracker::token token_;
  subscription_handle subscription_;
  ws_reader reader_;
  std::optional<outbox> out_;
  boost::asio::steady_timer heartbeat_;
  boost::asio::steady_timer deadline_;
  bool open_ = false;           ///< Handshake answered.
  bool close_sent_ = false;     ///< Close frame queued.
  bool close_received_ = false; ///< The client's close arrived.
  bool lingering_ = false;      ///< Our side is shut; draining the client's.
  bool reading_ = false;        ///< A read is outstanding.
  bool heard_ = false;          ///< Client sent something since the last beat.
  bool pinged_ = false;         ///< A ping is unanswered.
  bool dead_ = false;
  /// Keeps this session alive while the subscription is being answered.
  std::shared_ptr<ws_session> waiting_;
};

} // namespace jobcast
