#include "http/websocket.hpp"

#include "actors/metrics.hpp"
#include "http/json.hpp"
#include "http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/parse.hpp>

namespace jobcast {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

const std::string& encode(const event& ev) {
  return ev.encoded(transport::ws,
                    [](const event& x) { return event_json(x); });
}

std::atomic<std::int64_t>& ws_count() {
  return global_metrics().streams[static_cast<std::size_t>(transport::ws)];
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
    , deadline_(tcp_.get_executor()) {
  ws_count()++;
}

ws_session::~ws_session() {
  global_metrics().queued_bytes -= static_cast<std::int64_t>(queued_bytes_);
  ws_count()--;
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
  if (dead_ || ws_)
    return;
  ws_.emplace(std::move(tcp_));
  // The WebSocket timeouts below replace the HTTP read timeout.
  beast::get_lowest_layer(*ws_).expires_never();
  ws_->set_option(
      websocket::stream_base::timeout::suggested(beast::role_type::server));
  // Beast pings after half the idle timeout without traffic.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds{30};
  // --sse.heartbeat=0 turns pings off (and with them the idle check).
  if (ctx_.settings.heartbeat.count() > 0) {
    timeouts.idle_timeout = ctx_.settings.heartbeat * 2;
    timeouts.keep_alive_pings = true;
  } else {
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
  }
  ws_->set_option(timeouts);
  ws_->set_option(
      websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(beast::http::field::server, "jobcast");
        res.set("X-Content-Type-Options", "nosniff");
      }));
  ws_->read_message_max(64 * 1024);
  count_response(101);
  ws_->async_accept(req_, beast::bind_front_handler(&ws_session::on_accept,
                                                    shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec)
    return abort();
  open_ = true;
  read_frame();
  write_some();
}

void ws_session::deliver(const event_ptr& ev) {
  if (dead_ || closing_)
    return;
  if (queued_bytes_ > 0 &&
      queued_bytes_ + encode(*ev).size() > ctx_.settings.subscriber_buffer) {
    // Too far behind: what is queued still goes, then a close frame that
    // says why; a client that takes none of it is cut off after the read
    // timeout.
    global_metrics().slow_disconnects++;
    deadline_.expires_after(ctx_.settings.read_timeout);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->abort();
    });
    return close_after_queue(
        {websocket::close_code::policy_error, "too slow; reconnect to resume"});
  }
  add_queued(static_cast<std::int64_t>(encode(*ev).size()));
  queue_.push_back(ev);
  if (ev->type() == event_type::end)
    return close_after_queue({websocket::close_code::normal, "job ended"});
  write_some();
}

void ws_session::closed(stream_close why) {
  if (dead_ || closing_)
    return;
  if (!ws_) {
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
  if (why == stream_close::shutting_down) {
    // Don't let a client that never answers the close hold up the
    // shutdown.
    deadline_.expires_after(std::chrono::seconds{1});
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->abort();
    });
    return close_after_queue(
        {websocket::close_code::going_away, "server shutting down"});
  }
  if (why == stream_close::finished)
    return close_after_queue({websocket::close_code::normal, "job ended"});
  close_after_queue({websocket::close_code::internal_error, "job lost"});
}

void ws_session::shutdown() {
  boost::asio::post(tcp_.get_executor(), [self = shared_from_this()] {
    self->closed(stream_close::shutting_down);
  });
}

void ws_session::read_frame() {
  ws_->async_read(buffer_, beast::bind_front_handler(&ws_session::on_read,
                                                     shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
  if (dead_)
    return;
  if (ec) {
    // Closed by the client, or a protocol error that Beast already answered
    // with a close frame (1007 for invalid UTF-8, 1009 for too big).
    return abort();
  }
  // Clients have nothing to say yet, but what they say must be well formed.
  std::optional<websocket::close_reason> reject;
  if (!ws_->got_text()) {
    reject = websocket::close_reason{websocket::close_code::unknown_data,
                                     "binary frames are not supported"};
  } else {
    boost::system::error_code parse_ec;
    auto text = beast::buffers_to_string(buffer_.data());
    auto value = boost::json::parse(text, parse_ec);
    if (parse_ec || !value.is_object())
      reject = websocket::close_reason{websocket::close_code::bad_payload,
                                       "expected a JSON object"};
  }
  buffer_.consume(buffer_.size());
  if (reject)
    return close_after_queue(*reject);
  read_frame();
}

void ws_session::write_some() {
  if (dead_ || !open_ || writing_)
    return;
  if (queue_.empty()) {
    if (closing_ && !close_sent_) {
      close_sent_ = true;
      subscription_.cancel();
      ws_->async_close(*closing_,
                       [self = shared_from_this()](beast::error_code) {
                         // The read loop sees the client's close and ends the
                         // session.
                       });
    }
    return;
  }
  writing_ = true;
  ws_->text(true);
  ws_->async_write(
      boost::asio::buffer(encode(*queue_.front())),
      beast::bind_front_handler(&ws_session::on_write, shared_from_this()));
}

void ws_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  add_queued(-static_cast<std::int64_t>(encode(*queue_.front()).size()));
  queue_.pop_front();
  if (ec)
    return abort();
  write_some();
}

void ws_session::close_after_queue(websocket::close_reason reason) {
  if (closing_)
    return;
  closing_ = reason;
  subscription_.cancel();
  write_some();
}

void ws_session::abort() {
  if (dead_)
    return;
  dead_ = true;
  subscription_.cancel();
  deadline_.cancel();
  beast::error_code ignored;
  auto& sock = ws_ ? beast::get_lowest_layer(*ws_).socket() : tcp_.socket();
  sock.close(ignored);
}

void ws_session::add_queued(std::int64_t delta) {
  queued_bytes_ = static_cast<std::size_t>(
      static_cast<std::int64_t>(queued_bytes_) + delta);
  global_metrics().queued_bytes += delta;
}

} // namespace jobcast
