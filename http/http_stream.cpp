#include "http/http_stream.hpp"

#include "http/errors.hpp"

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

/// The chunk that ends a chunked body.
constexpr std::string_view last_chunk = "0\r\n\r\n";

std::string header_bytes(const http_framing& format, const request_facts& f) {
  http::response<http::empty_body> res{http::status::ok, f.version};
  res.set(http::field::server, "jobcast");
  res.set(http::field::content_type, format.content_type());
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy", content_security_policy);
  set_cors_headers(res, f);
  // Tells nginx and friends not to buffer the stream.
  res.set("X-Accel-Buffering", "no");
  res.keep_alive(f.keep_alive);
  // HTTP/1.0 has no chunked coding: its stream ends when the server closes.
  // Saying so costs nothing and helps proxies that keep 1.0 connections.
  if (f.version >= 11)
    res.chunked(true);
  else
    res.set(http::field::connection, "close");
  std::ostringstream out;
  out << res.base();
  return out.str();
}

} // namespace

http_stream::http_stream(beast::tcp_stream&& stream,
                         beast::flat_buffer&& buffer, http_context& ctx,
                         const http_framing& framing, stream_request req,
                         client_slots slots)
    : stream_session(std::move(stream), std::move(buffer), ctx, framing, req,
                     std::move(slots))
    , format_(framing) {
  chunked_ = req_.facts.version >= 11;
  if (!chunked_)
    req_.facts.keep_alive = false;
}

void http_stream::accept(const job_info& info) {
  count_response(200);
  out_.push(header_bytes(format_, req_.facts));
  if (!req_.facts.head)
    queue(format_.preamble(info));
  start();
  if (req_.facts.head)
    finish({}, std::nullopt);
}

void http_stream::refuse(stream_close why) {
  finishing_ = true;
  if (why == stream_close::shutting_down)
    req_.facts.keep_alive = false;
  // Resumed at or past a finished job's end gets 204: for SSE, what tells
  // EventSource to stop reconnecting.
  hand_over(reply(req_.facts, describe(why), false));
}

void http_stream::ending(std::string farewell,
                         std::optional<stream_close> why) {
  if (why == stream_close::too_slow) {
    // The client gets `read_timeout` to take what is queued.
    req_.facts.keep_alive = false;
    close_within(ctx_.settings.read_timeout);
  }
  queue(std::move(farewell));
  if (chunked_ && !req_.facts.head)
    out_.push(std::string{last_chunk});
}

void http_stream::client_data() {
  if (buffer_.size() > max_client_bytes)
    buffer_.consume(buffer_.size());
}

void http_stream::drained() {
  if (!finishing_)
    return;
  if (req_.facts.keep_alive)
    return hand_over({});
  beast::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  abort();
}

} // namespace jobcast
