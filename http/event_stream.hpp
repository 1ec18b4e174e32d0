#pragma once

#include "actors/event_sink.hpp"
#include "http/connection.hpp"
#include "http/context.hpp"
#include "http/gateway.hpp"
#include "http/outbox.hpp"
#include "http/responses.hpp"
#include "http/stream_format.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <optional>

namespace jobcast {

/// What a client asked to stream.
struct stream_request {
  job_id job = 0;
  /// Send events after this sequence number.
  std::uint64_t after = 0;
  request_facts facts;
};

/// One streaming response (plain text or SSE): subscribes to a job through
/// the gateway and writes each event as it arrives. It is the `event_sink`
/// its subscriber actor talks to (on this connection's strand).
///
/// Writes are coalesced: the events of one hand-over (see `flush`) and
/// everything queued while the socket was full go out in one gather write
/// (see `outbox`). The queue is
/// bounded by `subscriber_buffer`; a client that falls further behind is
/// dropped, and nobody else notices.
class event_stream : public connection,
                     public event_sink,
                     public std::enable_shared_from_this<event_stream> {
public:
  event_stream(boost::beast::tcp_stream&& stream,
               boost::beast::flat_buffer&& buffer, http_context& ctx,
               const stream_format& format, stream_request req);
  ~event_stream() override;

  /// Subscribes; the answer arrives as `opened` or `closed`.
  void run();

  void opened(const job_info& info) override;
  void deliver(const event_ptr& ev) override;
  void flush() override;
  void closed(stream_close why) override;
  void shutdown() override;

private:
  void push(const event_ptr& ev);
  /// Writes what the socket takes now; goes on when it has drained.
  void write_some();
  void watch_client();
  void schedule_heartbeat();
  void on_client_data(boost::beast::error_code ec, std::size_t n);
  /// Ends the response after the queued bytes, with `farewell` bytes first.
  void finish(std::string farewell);
  void after_last_write();
  void drop_slow_client();
  void abort();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  http_context& ctx_;
  const stream_format& format_;
  stream_request req_;
  connection_tracker::token token_;
  subscription_handle subscription_;
  boost::asio::steady_timer heartbeat_;
  outbox out_;
  bool open_ = false;      ///< Header queued.
  bool finishing_ = false; ///< Last chunk queued.
  bool watching_ = false;  ///< Client read outstanding.
  bool dead_ = false;      ///< Socket closed or handed back.
  /// The answer to send instead of a stream (unknown job, say).
  std::optional<message_generator> handoff_;
};

} // namespace jobcast
