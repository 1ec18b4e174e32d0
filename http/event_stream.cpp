#include "http/event_stream.hpp"

#include "actors/metrics.hpp"
#include "http/session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

namespace jobcast {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

/// Bytes a streaming client may send (a pipelined request, say) before the
/// rest is thrown away.
constexpr std::size_t max_client_bytes = 16 * 1024;

std::string header_bytes(const stream_format& format, const request_facts& f) {
  http::response<http::empty_body> res{http::status::ok, f.version};
  res.set(http::field::server, "jobcast");
  res.set(http::field::content_type, format.content_type());
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", content_security_policy);
  // Tells nginx and friends not to buffer the stream.
  res.set("X-Accel-Buffering", "no");
  res.keep_alive(f.keep_alive);
  res.chunked(true);
  std::ostringstream out;
  out << res.base();
  return out.str();
}

std::atomic<std::int64_t>& stream_count(transport t) {
  return global_metrics().streams[static_cast<std::size_t>(t)];
}

} // namespace

event_stream::event_stream(beast::tcp_stream&& stream,
                           beast::flat_buffer&& buffer, http_context& ctx,
                           const stream_format& format, stream_request req)
    : stream_(std::move(stream))
    , buffer_(std::move(buffer))
    , ctx_(ctx)
    , format_(format)
    , req_(req)
    , heartbeat_(stream_.get_executor())
    , out_(stream_.socket()) {
  stream_count(format_.kind())++;
  // Writes are tried directly and only wait when the socket is full.
  beast::error_code ignored;
  stream_.socket().non_blocking(true, ignored);
}

event_stream::~event_stream() {
  stream_count(format_.kind())--;
}

void event_stream::run() {
  boost::asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->token_ = self->ctx_.connections.add(self);
    if (self->dead_)
      return;
    self->subscription_ = self->ctx_.actors.subscribe(
        self->req_.job, self->req_.after, self->stream_.get_executor(), self);
    // A streaming client sends nothing more; reading tells us when it goes.
    self->stream_.expires_never();
    self->watch_client();
  });
}

void event_stream::opened(const job_info& info) {
  if (dead_ || open_)
    return;
  open_ = true;
  count_response(200);
  out_.push(header_bytes(format_, req_.facts));
  if (req_.facts.head) {
    subscription_.cancel();
    finishing_ = true;
    write_some();
    return;
  }
  out_.push(format_.preamble(info));
  write_some();
  schedule_heartbeat();
}

void event_stream::schedule_heartbeat() {
  if (!format_.heartbeat() || ctx_.settings.heartbeat.count() <= 0)
    return;
  heartbeat_.expires_after(ctx_.settings.heartbeat);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->dead_ || self->finishing_)
      return;
    // Skip a beat if the client has not taken the last one yet.
    if (self->out_.empty()) {
      const auto* bytes = self->format_.heartbeat();
      // The bytes are static: no owner needed.
      self->out_.push(nullptr, boost::asio::buffer(*bytes));
      self->write_some();
    }
    self->schedule_heartbeat();
  });
}

void event_stream::deliver(const event_ptr& ev) {
  if (dead_ || finishing_ || !open_)
    return;
  // Written on `flush`, together with the rest of this hand-over.
  push(ev); // May drop a slow client, which finishes the stream.
  if (ev->type() == event_type::end && !finishing_)
    finish({});
}

void event_stream::flush() {
  write_some();
}

void event_stream::closed(stream_close why) {
  if (dead_ || finishing_)
    return;
  if (!open_) {
    // Nothing written yet: answer like any other request, on a session.
    subscription_.cancel();
    finishing_ = true;
    if (why == stream_close::overloaded)
      handoff_ = error_response(req_.facts, status::service_unavailable,
                                "job " + std::to_string(req_.job) +
                                    " has as many viewers as it may have");
    else if (why == stream_close::unknown_job)
      handoff_ = error_response(req_.facts, status::not_found,
                                "no job " + std::to_string(req_.job));
    else if (why == stream_close::shutting_down)
      handoff_ =
          bad_request_and_close(req_.facts.version, status::service_unavailable,
                                "server shutting down");
    else
      handoff_ = error_response(req_.facts, status::service_unavailable,
                                "job unavailable");
    return after_last_write();
  }
  finish(format_.farewell(why));
}

void event_stream::shutdown() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->req_.facts.keep_alive = false;
    self->closed(stream_close::shutting_down);
  });
}

void event_stream::push(const event_ptr& ev) {
  const auto& bytes = format_.encode(*ev);
  if (bytes.empty())
    return;
  // One event always fits, however large: otherwise a client could never
  // get past it.
  if (out_.bytes() > 0 &&
      out_.bytes() + bytes.size() > ctx_.settings.subscriber_buffer)
    return drop_slow_client();
  out_.push(ev, boost::asio::buffer(bytes));
}

void event_stream::write_some() {
  if (dead_)
    return;
  auto ec = out_.send([self = shared_from_this()](beast::error_code wait_ec) {
    if (wait_ec)
      return self->abort();
    self->write_some();
  });
  if (ec)
    return abort();
  if (out_.empty() && finishing_)
    after_last_write();
}

void event_stream::watch_client() {
  if (dead_)
    return;
  if (buffer_.size() > max_client_bytes)
    buffer_.consume(buffer_.size());
  watching_ = true;
  stream_.socket().async_read_some(
      buffer_.prepare(1024),
      beast::bind_front_handler(&event_stream::on_client_data,
                                shared_from_this()));
}

void event_stream::on_client_data(beast::error_code ec, std::size_t n) {
  watching_ = false;
  if (dead_)
    return;
  if (!ec)
    buffer_.commit(n); // Kept for the session that may follow.
  if (finishing_ && (!ec || ec == boost::asio::error::operation_aborted))
    return after_last_write();
  if (ec)
    return abort(); // The client went away.
  watch_client();
}

void event_stream::finish(std::string farewell) {
  subscription_.cancel();
  heartbeat_.cancel();
  out_.push(std::move(farewell));
  if (!req_.facts.head)
    out_.push(std::string{last_chunk});
  finishing_ = true;
  write_some();
}

void event_stream::after_last_write() {
  if (dead_ || !out_.empty())
    return;
  if (!req_.facts.keep_alive && !handoff_) {
    dead_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send,
                              ignored);
    stream_.socket().close(ignored);
    return;
  }
  // The connection goes on as a session; first stop watching the client, so
  // that no read of ours is pending on the socket we hand over.
  if (watching_) {
    stream_.socket().cancel();
    return; // on_client_data comes back here.
  }
  dead_ = true;
  beast::error_code ignored;
  stream_.socket().non_blocking(false, ignored);
  auto next =
      std::make_shared<session>(std::move(stream_), std::move(buffer_), ctx_);
  if (handoff_)
    next->run_after(std::move(*handoff_));
  else
    next->run();
}

void event_stream::drop_slow_client() {
  // What is queued still goes out, then a notice and the end: a stalled
  // client costs at most `subscriber_buffer` plus a few bytes, and it gets
  // `read_timeout` to take them before the socket is closed.
  global_metrics().slow_disconnects++;
  req_.facts.keep_alive = false;
  finish(format_.farewell(stream_close::too_slow));
  heartbeat_.expires_after(ctx_.settings.read_timeout);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec)
      self->abort();
  });
}

void event_stream::abort() {
  if (dead_)
    return;
  dead_ = true;
  subscription_.cancel();
  heartbeat_.cancel();
  beast::error_code ignored;
  stream_.socket().close(ignored);
}

} // namespace jobcast
