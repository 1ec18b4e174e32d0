#include "http/session.hpp"

#include "actors/metrics.hpp"
#include "http/assets.hpp"
#include "http/chunked.hpp"
#include "http/event_stream.hpp"
#include "http/gateway.hpp"
#include "http/prometheus.hpp"
#include "http/responses.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace jobcast {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {

method to_method(http::verb v) {
  switch (v) {
  case http::verb::get:
    return method::get;
  case http::verb::head:
    return method::head;
  case http::verb::post:
    return method::post;
  case http::verb::put:
    return method::put;
  case http::verb::delete_:
    return method::del;
  default:
    return method::other;
  }
}

request_facts facts_of(const session::request& req) {
  return {req.version(), req.keep_alive(), req.method() == http::verb::head};
}

/// The status for a request that could not be parsed.
status status_for(const beast::error_code& ec) {
  if (ec == http::error::header_limit)
    return status::request_header_fields_too_large;
  if (ec == http::error::body_limit)
    return status::payload_too_large;
  return status::bad_request;
}

const stream_format& chunked_text() {
  static const chunked_text_format instance;
  return instance;
}

} // namespace

session::session(beast::tcp_stream&& stream, beast::flat_buffer&& buffer,
                 http_context& ctx)
    : stream_(std::move(stream))
    , buffer_(std::move(buffer))
    , ctx_(ctx) {}

void session::run() {
  // Start on the connection's strand; the token may call shutdown().
  boost::asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->token_ = self->ctx_.connections.add(self);
    self->read_request();
  });
}

void session::run_after(message_generator msg) {
  boost::asio::dispatch(
      stream_.get_executor(),
      [self = shared_from_this(), msg = std::move(msg)]() mutable {
        self->token_ = self->ctx_.connections.add(self);
        self->send(std::move(msg));
      });
}

void session::shutdown() {
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    // An idle connection closes now; one that is answering closes after the
    // answer is written.
    if (self->reading_)
      self->close();
  });
}

void session::read_request() {
  if (stopping_) {
    close();
    return;
  }
  parser_.emplace();
  parser_->header_limit(
      static_cast<std::uint32_t>(ctx_.settings.max_header_bytes));
  parser_->body_limit(ctx_.settings.max_body_bytes);
  stream_.expires_after(ctx_.settings.read_timeout);
  reading_ = true;
  http::async_read(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&session::on_read, shared_from_this()));
}

void session::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
      ec == boost::asio::error::operation_aborted ||
      ec == boost::asio::error::connection_reset)
    return close();
  if (ec == beast::error::timeout) {
    // An idle keep-alive connection just closes; a slow sender learns why.
    if (!parser_->got_some())
      return close();
    return send(bad_request_and_close(11, status::request_timeout,
                                      "request not received in time"));
  }
  if (ec) {
    auto code = status_for(ec);
    return send(bad_request_and_close(11, code, ec.message()));
  }
  handle(parser_->release());
}

void session::handle(request&& req) {
  auto facts = facts_of(req);
  auto target = std::string_view{req.target().data(), req.target().size()};
  auto r = resolve(to_method(req.method()), target);
  if (r.id == route_id::not_found)
    return send(
        error_response(facts, status::not_found, "no such page or job"));
  if (!r.method_allowed)
    return send(method_not_allowed(facts, r.allow));
  switch (r.id) {
  case route_id::home: {
    if (req.method() == http::verb::post)
      return start_job(std::move(req));
    auto page = find_asset("index.html");
    return send(make_response(facts, status::ok, content_type_for(page->name),
                              std::string{page->bytes}));
  }
  case route_id::asset: {
    auto file = find_asset(r.name);
    if (!file)
      return send(error_response(facts, status::not_found, "no such file"));
    return send(make_response(facts, status::ok, content_type_for(file->name),
                              std::string{file->bytes}));
  }
  case route_id::metrics:
    return send(make_response(facts, status::ok,
                              "text/plain; version=0.0.4; charset=utf-8",
                              render_metrics(ctx_.connections)));
  case route_id::view_progress: {
    stream_request sreq{r.job, 0, facts};
    auto stream = std::make_shared<event_stream>(
        std::move(stream_), std::move(buffer_), ctx_, chunked_text(), sreq);
    token_ = {};
    stream->run();
    return;
  }
  case route_id::not_found:
    break;
  }
}

void session::start_job(request&& req) {
  auto facts = facts_of(req);
  ctx_.actors.start_job(
      job_spec{}, stream_.get_executor(),
      [self = shared_from_this(), facts](outcome<job_info> result) {
        if (auto* info = std::get_if<job_info>(&result)) {
          auto location = "/view-progress/" + std::to_string(info->id);
          return self->send(see_other(facts, location));
        }
        auto& err = std::get<failure>(result);
        self->send(error_response(facts, status::service_unavailable,
                                  "could not start a job: " + err.detail));
      });
}

void session::send(message_generator msg) {
  auto keep_alive = msg.keep_alive();
  beast::async_write(stream_, std::move(msg),
                     beast::bind_front_handler(&session::on_write,
                                               shared_from_this(), keep_alive));
}

void session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec)
    return close();
  if (!keep_alive)
    return close();
  read_request();
}

void session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send,
                            ignored);
  stream_.socket().close(ignored);
}

} // namespace jobcast
