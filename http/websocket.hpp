#pragma once

#include "actors/event_sink.hpp"
#include "http/connection.hpp"
#include "http/context.hpp"
#include "http/gateway.hpp"
#include "http/responses.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <memory>
#include <optional>

namespace jobcast {

/// A job's events over a WebSocket: one JSON text frame per event, the end
/// event last, then a normal close (1000). The subscription is made before
/// the handshake is answered, so an unknown job gets a plain 404.
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
  void closed(stream_close why) override;
  void shutdown() override;

private:
  using ws_stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

  void on_accept(boost::beast::error_code ec);
  void read_frame();
  void on_read(boost::beast::error_code ec, std::size_t);
  void write_some();
  void on_write(boost::beast::error_code ec, std::size_t);
  /// Sends a close frame once every queued event is out.
  void close_after_queue(boost::beast::websocket::close_reason reason);
  void abort();
  /// Keeps `queued_bytes_` and the process-wide gauge in step.
  void add_queued(std::int64_t delta);

  boost::beast::tcp_stream tcp_;
  std::optional<ws_stream> ws_;
  boost::beast::flat_buffer buffer_;
  http_context& ctx_;
  request req_;
  job_id job_;
  std::uint64_t after_;
  connection_tracker::token token_;
  subscription_handle subscription_;
  boost::asio::steady_timer deadline_;
  std::deque<event_ptr> queue_;
  std::size_t queued_bytes_ = 0;
  std::optional<boost::beast::websocket::close_reason> closing_;
  bool open_ = false; ///< Handshake answered.
  bool writing_ = false;
  bool close_sent_ = false;
  bool dead_ = false;
  /// Keeps this session alive while the subscription is being answered.
  std::shared_ptr<ws_session> waiting_;
};

} // namespace jobcast
