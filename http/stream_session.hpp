#pragma once

#include "actors/event_sink.hpp"
#include "http/access_token.hpp"
#include "http/client_limits.hpp"
#include "http/connection.hpp"
#include "http/context.hpp"
#include "http/framing.hpp"
#include "http/gateway.hpp"
#include "http/outbox.hpp"
#include "http/responses.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace jobcast {

/// What a client asked to stream.
struct stream_request {
  job_id job = 0;
  /// Where the client resumes.
  resume_point from;
  request_facts facts;
  /// The expiry of the access token the stream was opened with: the stream
  /// ends then, with the framing's `token_expired` farewell.
  stream_expiry expires;
};

/// What a stream counts against clients (`--limits.connections-per-ip`).
struct client_slots {
  /// The connection's, of a direct peer: handed back with the connection.
  client_slot connection;
  /// The stream's own, through a trusted proxy, for the client it forwards:
  /// ends with the stream.
  client_slot stream;
};

/// The one skeleton of every streaming connection, whatever its framing:
/// it subscribes to a job through the gateway and is the `event_sink` its
/// subscriber actor talks to (on this connection's HTTP thread). Here, once for
/// every transport:
///  - holding the connection while the subscription is answered, and the
///    hand-off of a refusal to a plain HTTP answer;
///  - encode once, write many: each event's bytes come from the framing's
///    slot in the event, shared by every connection, coalesced into gather
///    writes (`outbox`);
///  - the slow-viewer rule: live events past `subscriber_buffer` end the
///    stream; history comes in pages, the next one only once the socket
///    has taken most of the last, so it never piles up;
///  - the heartbeat, watching the client, the write timeout, and the end.
///
/// A transport (HTTP response, WebSocket) adds only how a stream opens,
/// what the client may say, and how a stream ends on its connection.
class stream_session : public connection,
                       public event_sink,
                       public std::enable_shared_from_this<stream_session> {
public:
  ~stream_session() override;

  /// Subscribes; the answer arrives as `opened` or `closed`.
  void run();

  void opened(const job_info& info) final;
  void replay(const event_page& events, bool caught_up) final;
  void deliver(const event_ptr& ev) final;
  void flush() final;
  void closed(stream_close why) final;
  std::uint64_t page_bytes() const final;
  void shutdown() final;

protected:
  stream_session(boost::beast::tcp_stream&& stream,
                 boost::beast::flat_buffer&& buffer, http_context& ctx,
                 const framing& framing, stream_request req,
                 client_slots slots);

  // -- What a transport adds ---------------------------------------------

  /// The job accepted the viewer: answer the request, then call `start`
  /// once events may follow.
  virtual void accept(const job_info& info) = 0;
  /// The job refused the viewer before anything was sent.
  virtual void refuse(stream_close why) = 0;
  /// Queues the stream's last bytes (`farewell`) and whatever the transport
  /// ends with; `why` is empty for an end the transport itself decided.
  virtual void ending(std::string farewell,
                      std::optional<stream_close> why) = 0;
  /// The client sent bytes; they are in `buffer_`.
  virtual void client_data() = 0;
  /// Whether to go on reading from the client.
  virtual bool wants_client() const { return !finishing_; }
  /// Everything queued has been written.
  virtual void drained() = 0;
  /// A heartbeat period passed with the stream open.
  virtual void beat();

  // -- What the skeleton offers a transport --------------------------------

  /// Events may flow: starts the heartbeat and reading the client.
  void start();
  /// Queues stream bytes, framed as an HTTP chunk if `chunked_`.
  void queue(std::shared_ptr<const void> owner, const std::string& bytes);
  void queue(std::string bytes);
  /// Writes what the socket takes now; goes on when it has drained.
  void write_some();
  /// No more events: `farewell` and the transport's ending go out after
  /// what is queued.
  void finish(std::string farewell, std::optional<stream_close> why);
  /// Closes the socket after `wait` unless the transport is done first.
  void close_within(std::chrono::nanoseconds wait);
  /// Hands the connection to a plain HTTP session (keep-alive, or to answer
  /// a refusal); nothing of ours may be pending on the socket.
  void hand_over(std::optional<message_generator> answer);
  void read_client();
  /// Closes at once.
  void abort();

  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  http_context& ctx_;
  const framing& framing_;
  stream_request req_;
  outbox out_;
  boost::asio::steady_timer heartbeat_;
  boost::asio::steady_timer deadline_;
  /// Fires at `req_.expires`.
  boost::asio::steady_timer expiry_;
  /// Frame stream bytes as HTTP/1.1 chunks.
  bool chunked_ = false;
  bool accepted_ = false;  ///< The viewer is being answered as a stream.
  bool open_ = false;      ///< The stream may carry events.
  bool finishing_ = false; ///< The farewell is queued.
  bool reading_ = false;   ///< A read from the client is outstanding.
  bool dead_ = false;      ///< Socket closed or handed over.

private:
  void schedule_heartbeat();
  /// Ends the stream when its access token expires.
  void schedule_expiry();
  /// Stops the subscription and every timer; the socket is someone else's
  /// business from here on (closed, or handed over).
  void let_go();
  void on_read(boost::beast::error_code ec, std::size_t n);
  /// Queues one event; a `live` one past the allowance ends the stream.
  void push(const event_ptr& ev, bool live);

  connection_tracker::token token_;
  client_slots slots_;
  subscription_handle subscription_;
  bool handing_over_ = false; ///< The socket goes to a session next.
  bool want_page_ = false; ///< Replaying: ask for the next page once drained.
  /// What the session that takes over answers first (a refusal, say).
  std::optional<message_generator> answer_;
  /// Keeps the connection alive while the subscription is being answered.
  std::shared_ptr<stream_session> waiting_;
};

} // namespace jobcast
