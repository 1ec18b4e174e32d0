#include "http/websocket.hpp"

#include "actors/metrics.hpp"
#include "http/json.hpp"
#include "http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

namespace jobcast {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

/// Largest message a client may send.
constexpr std::size_t max_client_message = 64 * 1024;

/// Unparsed client bytes past this mean the reader has stopped (after a
/// protocol error): a frame in progress never needs more than one message,
/// its header and one read.
constexpr std::size_t max_ignored_bytes = 2 * max_client_message;

/// How long a closed connection waits for the client to close its side.
constexpr auto linger_time = std::chrono::seconds{2};

/// How long a client gets to answer our close when the server stops.
constexpr auto shutdown_close_wait = std::chrono::seconds{1};

/// An event's complete frame, built once and shared by every viewer.
const std::string& encode(const event& ev) {
  return ev.encoded(transport::ws, [](const event& x) {
    return ws_frame(ws_opcode::text, event_json(x));
  });
}

std::atomic<std::int64_t>& ws_count() {
  return global_metrics().streams[static_cast<std::size_t>(transport::ws)];
}

/// The code to answer a client's close with (RFC 6455 section 7.4).
std::uint16_t echo_code(std::uint16_t code) {
  bool sendable = (code >= 1000 && code <= 1003) ||
                  (code >= 1007 && code <= 1014) ||
                  (code >= 3000 && code <= 4999);
  if (code == 0)
    return ws_close::normal;
  return sendable ? code : ws_close::protocol_error;
}

} // namespace

ws_session::ws_session(beast::tcp_stream&& stream, beast::flat_buffer&& buffer,
                       http_context& ctx, request&& req, job_id job,
                       std::uint64_t after)
    : tcp_(std::move(stream))
    , buffer_(std::move(buffer))
    , ctx_(ctx)
    , req_(std::move(req))
    , job_(job)
    , after_(after)
    , reader_(max_client_message)
    , heartbeat_(tcp_.get_executor())
    , deadline_(tcp_.get_executor()) {
  ws_count()++;
}

ws_session::~ws_session() {
  ws_count()--;
}

boost::asio::ip::tcp::socket& ws_session::socket() {
  return socket_ ? *socket_ : tcp_.socket();
}

void ws_session::run() {
  boost::asio::dispatch(tcp_.get_executor(), [self = shared_from_this()] {
    self->token_ = self->ctx_.connections.add(self);
    if (self->dead_)
      return;
    self->subscription_ = self->ctx_.actors.subscribe(
        self->job_, self->after_, self->tcp_.get_executor(), self);
    // The gateway holds us weakly and no I/O is pending until the
    // subscription is answered: hold ourselves until then.
    self->waiting_ = self;
  });
}

void ws_session::opened(const job_info&) {
  auto keep = std::move(waiting_);
  if (dead_ || socket_)
    return;
  // Only the socket goes on; Beast's stream is let go after the handshake
  // (a viewer costs less memory without it).
  tcp_.expires_never();
  socket_.emplace(std::move(tcp_.socket()));
  ws_.emplace(*socket_);
  out_.emplace(*socket_);
  // Beast's timeouts cover the handshake; the heartbeat takes over.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds{30};
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_->set_option(timeouts);
  ws_->set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(beast::http::field::server, "jobcast");
        res.set("X-Content-Type-Options", "nosniff");
      }));
  count_response(101);
  ws_->async_accept(req_, beast::bind_front_handler(&ws_session::on_accept,
                                                    shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
  // Beast's stream goes once its handler has returned.
  boost::asio::post(socket().get_executor(), [self = shared_from_this()] {
    self->ws_.reset();
    self->req_ = {};
  });
  if (ec)
    return abort();
  open_ = true;
  socket().non_blocking(true, ec);
  schedule_heartbeat();
  write_some();
  // A client may have sent frames right behind its handshake.
  on_read({}, 0);
}

void ws_session::deliver(const event_ptr& ev) {
  if (dead_ || close_sent_ || !out_)
    return;
  const auto& frame = encode(*ev);
  if (out_->bytes() > 0 &&
      out_->bytes() + frame.size() > ctx_.settings.subscriber_buffer) {
    // Too far behind: what is queued still goes, then a close frame that
    // says why; a client that takes none of it is cut off after the read
    // timeout.
    global_metrics().slow_disconnects++;
    return close_after_queue(ws_close::policy_violation,
                             "too slow; reconnect to resume");
  }
  out_->push(ev, boost::asio::buffer(frame));
  if (ev->type() == event_type::end)
    close_after_queue(ws_close::normal, "job ended");
}

void ws_session::flush() {
  write_some();
}

void ws_session::closed(stream_close why) {
  if (dead_ || close_sent_)
    return;
  if (!socket_) {
    waiting_.reset();
    // Not upgraded yet: answer with plain HTTP on a session.
    dead_ = true;
    subscription_.cancel();
    request_facts facts{req_.version(), req_.keep_alive(), false};
    auto msg = why == stream_close::unknown_job
                   ? error_response(facts, status::not_found,
                                    "no job " + std::to_string(job_))
                   : error_response(facts, status::service_unavailable,
                                    why == stream_close::shutting_down
                                        ? "server shutting down"
                                    : why == stream_close::overloaded
                                        ? "the job has as many viewers as "
                                          "it may have"
                                        : "job unavailable");
    std::make_shared<session>(std::move(tcp_), std::move(buffer_), ctx_)
        ->run_after(std::move(msg));
    return;
  }
  if (why == stream_close::shutting_down)
    return close_after_queue(ws_close::going_away, "server shutting down");
  if (why == stream_close::finished)
    return close_after_queue(ws_close::normal, "job ended");
  close_after_queue(ws_close::internal_error, "job lost");
}

void ws_session::shutdown() {
  boost::asio::post(tcp_.get_executor(), [self = shared_from_this()] {
    self->closed(stream_close::shutting_down);
  });
}

void ws_session::read_some() {
  if (dead_ || reading_ || (close_received_ && !lingering_))
    return;
  reading_ = true;
  socket().async_read_some(
      buffer_.prepare(1024),
      beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t n) {
  reading_ = false;
  if (dead_)
    return;
  if (ec)
    return abort(); // The client went away (or, lingering, closed too).
  buffer_.commit(n);
  if (lingering_) {
    buffer_.consume(buffer_.size());
    return read_some();
  }
  if (n > 0)
    heard_ = true;
  while (!dead_ && !close_received_) {
    auto data = buffer_.data();
    std::string_view bytes{static_cast<const char*>(data.data()), data.size()};
    std::size_t used = 0;
    auto in = reader_.next(bytes, used);
    buffer_.consume(used);
    if (!in)
      break;
    on_input(std::move(*in));
  }
  // After a protocol error the reader takes nothing more.
  if (buffer_.size() > max_ignored_bytes)
    buffer_.consume(buffer_.size());
  read_some();
}

void ws_session::on_input(ws_input in) {
  switch (in.kind) {
  case ws_input::text: {
    // Clients have nothing to say yet, but what they say must be JSON.
    boost::system::error_code parse_ec;
    auto value = boost::json::parse(in.payload, parse_ec);
    if (parse_ec || !value.is_object())
      close_after_queue(ws_close::invalid_payload, "expected a JSON object");
    return;
  }
  case ws_input::binary:
    return close_after_queue(ws_close::unsupported_data,
                             "binary frames are not supported");
  case ws_input::ping:
    // A client that pings without reading the pongs gets no more of them
    // once its allowance is used up (a pong may answer only the last ping).
    if (!close_sent_ && out_->bytes() < ctx_.settings.subscriber_buffer) {
      out_->push(ws_frame(ws_opcode::pong, in.payload));
      write_some();
    }
    return;
  case ws_input::pong:
    pinged_ = false;
    return;
  case ws_input::close:
    close_received_ = true;
    if (!close_sent_)
      return close_after_queue(echo_code(in.code), {});
    return write_some(); // Both sides have closed: done once sent.
  case ws_input::error:
    // Failing the connection (RFC 6455 7.1.7): no reply is awaited.
    close_received_ = true;
    if (close_sent_)
      return write_some();
    return close_after_queue(in.code, in.payload);
  }
}

void ws_session::write_some() {
  if (dead_ || !open_)
    return;
  auto ec = out_->send([self = shared_from_this()](beast::error_code wait_ec) {
    if (wait_ec)
      return self->abort();
    self->write_some();
  });
  if (ec)
    return abort();
  if (out_->empty() && close_sent_ && close_received_ && !lingering_) {
    // The closing handshake is over: the server ends TCP first. It goes on
    // reading (and dropping) until the client closes too, because closing
    // with unread bytes would reset the connection, and the client could
    // lose our close frame with it.
    lingering_ = true;
    heartbeat_.cancel();
    socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    deadline_.expires_after(linger_time);
    deadline_.async_wait(
        [self = shared_from_this()](beast::error_code wait_ec) {
          if (!wait_ec)
            self->abort();
        });
    read_some();
  }
}

void ws_session::close_after_queue(std::uint16_t code,
                                   std::string_view reason) {
  if (close_sent_ || dead_)
    return;
  close_sent_ = true;
  subscription_.cancel();
  heartbeat_.cancel();
  out_->push(ws_close_frame(code, reason));
  // The client gets this long to take what is queued and answer.
  deadline_.expires_after(code == ws_close::going_away
                              ? std::chrono::milliseconds{shutdown_close_wait}
                              : ctx_.settings.read_timeout);
  deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->abort();
  });
  write_some();
}

void ws_session::schedule_heartbeat() {
  if (ctx_.settings.heartbeat.count() <= 0 || dead_ || close_sent_)
    return;
  heartbeat_.expires_after(ctx_.settings.heartbeat);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->dead_ || self->close_sent_)
      return;
    if (!self->heard_) {
      // Silent through a whole beat after a ping: gone.
      if (self->pinged_)
        return self->abort();
      self->pinged_ = true;
      static const std::string ping = ws_frame(ws_opcode::ping, {});
      self->out_->push(nullptr, boost::asio::buffer(ping));
      self->write_some();
    }
    self->heard_ = false;
    self->schedule_heartbeat();
  });
}

void ws_session::abort() {
  if (dead_)
    return;
  dead_ = true;
  subscription_.cancel();
  heartbeat_.cancel();
  deadline_.cancel();
  beast::error_code ignored;
  socket().close(ignored);
}

} // namespace jobcast
