#include "http/ws_session.hpp"

#include "http/errors.hpp"

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

/// The code to answer a client's close with (RFC 6455 section 7.4): its
/// own (the reader refused invalid ones), or normal for a close without.
std::uint16_t echo_code(std::uint16_t code) {
  return code == 0 ? ws_close::normal : code;
}

request_facts facts_of(const ws_session::request& req) {
  return {req.version(), req.keep_alive(), false, {}};
}

} // namespace

ws_session::ws_session(beast::tcp_stream&& stream, beast::flat_buffer&& buffer,
                       http_context& ctx, const framing& framing, request&& req,
                       stream_request what, client_slots slots)
    : stream_session(
          std::move(stream), std::move(buffer), ctx, framing,
          stream_request{what.job, what.from, facts_of(req), what.expires},
          std::move(slots))
    , http_req_(std::move(req))
    , reader_(max_client_message) {}

void ws_session::accept(const job_info&) {
  ws_.emplace(socket_);
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
  ws_->async_accept(
      http_req_, beast::bind_front_handler(
                     &ws_session::on_accept,
                     std::static_pointer_cast<ws_session>(shared_from_this())));
}

void ws_session::on_accept(beast::error_code ec) {
  // Beast's stream goes once its handler has returned (a viewer costs less
  // memory without it).
  boost::asio::post(socket_.get_executor(), [self = shared_from_this()] {
    auto& ws = static_cast<ws_session&>(*self);
    ws.ws_.reset();
    ws.http_req_ = {};
  });
  if (ec)
    return abort();
  // A client may have sent frames right behind its handshake; what they
  // ask for goes out once the stream starts.
  client_data();
  start();
  if (end_when_open_)
    finish(framing_.farewell(stream_close::finished), stream_close::finished);
}

void ws_session::refuse(stream_close why) {
  if (why == stream_close::finished) {
    // Resumed at or past a finished job's end: the client still gets its
    // WebSocket, and the normal close that ends every finished job.
    end_when_open_ = true;
    // From here on the handshake owns the socket: a shutdown meanwhile
    // queues a close frame, it does not hand the socket over.
    accepted_ = true;
    return accept(job_info{});
  }
  // Not upgraded: answer with plain HTTP on a session.
  finishing_ = true;
  hand_over(reply(req_.facts, describe(why), false));
}

bool ws_session::wants_client() const {
  // Nothing is read before the handshake is answered; after the client's
  // close, only while lingering.
  return open_ && (!close_received_ || lingering_);
}

void ws_session::client_data() {
  if (dead_)
    return;
  if (lingering_)
    return buffer_.consume(buffer_.size());
  if (buffer_.size() > 0)
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
    if (!finishing_ && out_.bytes() < ctx_.settings.subscriber_buffer) {
      out_.push(ws_frame(ws_opcode::pong, in.payload));
      write_some();
    }
    return;
  case ws_input::pong:
    pinged_ = false;
    return;
  case ws_input::close:
    close_received_ = true;
    if (!finishing_)
      return close_after_queue(echo_code(in.code), {});
    return write_some(); // Both sides have closed: done once sent.
  case ws_input::error:
    // Failing the connection (RFC 6455 7.1.7): no reply is awaited.
    close_received_ = true;
    if (finishing_)
      return write_some();
    return close_after_queue(in.code, in.payload);
  }
}

void ws_session::close_after_queue(std::uint16_t code,
                                   std::string_view reason) {
  finish(ws_close_frame(code, reason), std::nullopt);
}

void ws_session::ending(std::string farewell, std::optional<stream_close> why) {
  out_.push(std::move(farewell));
  // The client gets this long to take what is queued and answer the close.
  close_within(why == stream_close::shutting_down
                   ? std::chrono::nanoseconds{shutdown_close_wait}
                   : ctx_.settings.read_timeout);
}

void ws_session::drained() {
  if (!finishing_ || !close_received_ || lingering_)
    return;
  // The closing handshake is over: the server ends TCP first. It goes on
  // reading (and dropping) until the client closes too, because closing
  // with unread bytes would reset the connection, and the client could
  // lose our close frame with it.
  lingering_ = true;
  beast::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  close_within(linger_time);
  read_client();
}

void ws_session::beat() {
  if (!heard_) {
    // Silent through a whole beat after a ping: gone.
    if (pinged_)
      return abort();
    pinged_ = true;
    out_.push(nullptr, boost::asio::buffer(*framing_.heartbeat()));
    write_some();
  }
  heard_ = false;
}

} // namespace jobcast
