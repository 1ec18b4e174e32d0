#include "http/session.hpp"

#include "actors/output_lines.hpp"
#include "http/api.hpp"
#include "http/authorize.hpp"
#include "http/cors.hpp"
#include "http/errors.hpp"
#include "http/exchange.hpp"
#include "http/gateway.hpp"
#include "http/http_stream.hpp"
#include "http/json.hpp"
#include "http/publishing.hpp"
#include "http/routes.hpp"
#include "http/ws_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
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
  case http::verb::options:
    return method::options;
  default:
    return method::other;
  }
}

/// The status for a request that could not be parsed.
status status_for(const beast::error_code& ec) {
  if (ec == http::error::header_limit)
    return status::request_header_fields_too_large;
  if (ec == http::error::body_limit)
    return status::payload_too_large;
  return status::bad_request;
}

request_facts facts_of(const session::request& req) {
  return {
      req.version(), req.keep_alive(), req.method() == http::verb::head, {}};
}

/// The answer for a target no route takes, or takes with another method.
message_generator no_route(const request_facts& facts, const route_match& m) {
  if (m.path_known)
    return method_not_allowed(facts, m.allow);
  if (m.api)
    return json_error(facts, status::not_found, "not found",
                      "no such resource");
  return error_response(facts, status::not_found, "no such page or job");
}

std::string_view host_of(const session::request& req) {
  auto host = req[http::field::host];
  return {host.data(), host.size()};
}

route_match match_of(const session::request& req) {
  return resolve(routes(), to_method(req.method()),
                 {req.target().data(), req.target().size()});
}

} // namespace

ip_address peer_address(const boost::asio::ip::tcp::socket& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec)
    return {};
  return unmapped(endpoint.address());
}

session::session(beast::tcp_stream&& stream, beast::flat_buffer&& buffer,
                 http_context& ctx, client_slot slot)
    : stream_(std::move(stream))
    , buffer_(std::move(buffer))
    , ctx_(ctx)
    , slot_(std::move(slot))
    , read_timer_(stream_.get_executor()) {}

ip_address session::peer() const {
  return peer_address(stream_.socket());
}

void session::run() {
  // Start on the connection's thread; the token may call shutdown().
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
  stream_.expires_never();
  timed_out_ = false;
  arm_read_timer(ctx_.settings.read_timeout);
  reading_ = true;
  // The header first: a client that sent `Expect: 100-continue` waits for
  // our word before it sends the body.
  http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&session::on_header, shared_from_this()));
}

void session::arm_read_timer(std::chrono::nanoseconds after) {
  // Our own timer, not the stream's: a stream timeout closes the socket, and
  // a slow sender should still hear 408.
  read_timer_.expires_after(after);
  read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->reading_)
      return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
}

void session::on_header(beast::error_code ec, std::size_t n) {
  if (ec || timed_out_)
    return on_read(ec, n);
  auto& req = parser_->get();
  bool continue_first =
      !parser_->is_done() && req.version() >= 11 &&
      beast::iequals(req[http::field::expect], "100-continue");
  if (streams_lines())
    return start_lines(continue_first);
  if (continue_first)
    return check_continue();
  read_body();
}

void session::read_body() {
  reading_ = true;
  http::async_read(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&session::on_read, shared_from_this()));
}

void session::check_continue() {
  reading_ = false;
  read_timer_.cancel();
  auto& req = parser_->get();
  auto facts = facts_of(req);
  facts.keep_alive = false; // The body is never read: the connection ends.
  auto match = match_of(req);
  if (auto refusal = check_host(ctx_, host_of(req), facts, match.api))
    return send(std::move(*refusal));
  if (!match.entry)
    return send(no_route(facts, match));
  // The same checks as for a whole request, on a copy of its header.
  auto ex = std::make_shared<exchange>(shared_from_this(), request{req.base()},
                                       match, ctx_);
  ex->close_after_answer();
  if (auto refusal = authorize(*ex, false))
    return send(std::move(*refusal));
  auto read = [self = shared_from_this()] { self->read_body(); };
  if (match.entry->handle != publishing::events)
    return send_continue(read);
  // Only the job knows whether this publisher may go on.
  publishing::probe(
      ex, [self = shared_from_this(), read] { self->send_continue(read); });
}

void session::send_continue(std::function<void()> then) {
  static const std::string interim = "HTTP/1.1 100 Continue\r\n\r\n";
  count_response(100);
  boost::asio::async_write(
      stream_, boost::asio::buffer(interim),
      [self = shared_from_this(), then = std::move(then)](beast::error_code ec,
                                                          std::size_t) {
        if (ec)
          return self->close();
        self->arm_read_timer(self->ctx_.settings.read_timeout);
        then();
      });
}

bool session::streams_lines() const {
  auto& req = parser_->get();
  if (parser_->is_done() || !parser_->chunked() ||
      req.method() != http::verb::post)
    return false;
  auto type = req[http::field::content_type];
  if (!is_text_plain({type.data(), type.size()}))
    return false;
  auto match = match_of(req);
  return match.entry && match.entry->handle == publishing::events;
}

void session::start_lines(bool continue_first) {
  reading_ = false;
  read_timer_.cancel();
  auto& req = parser_->get();
  auto facts = facts_of(req);
  facts.keep_alive = false; // Refused before its end, the body is not read.
  auto match = match_of(req);
  if (auto refusal = check_host(ctx_, host_of(req), facts, match.api))
    return send(std::move(*refusal));
  auto ex = std::make_shared<exchange>(shared_from_this(), request{req.base()},
                                       match, ctx_);
  ex->close_after_answer();
  if (auto refusal = authorize(*ex, false))
    return send(std::move(*refusal));
  // No total size: each line has its own limit, and a line is published
  // before the next is read, so TCP holds back a producer faster than the
  // viewers.
  parser_->body_limit(boost::none);
  lines_ = {};
  auto read = [self = shared_from_this(), ex] { self->read_lines(ex); };
  // An empty publish first: a wrong token or an ended job is told at once.
  publishing::probe(ex, [self = shared_from_this(), read, continue_first] {
    if (continue_first)
      return self->send_continue(read);
    read();
  });
}

void session::read_lines(std::shared_ptr<exchange> ex) {
  if (stopping_)
    return close();
  timed_out_ = false;
  arm_read_timer(ctx_.settings.publisher_idle_timeout);
  reading_ = true;
  http::async_read_some(stream_, buffer_, *parser_,
                        [self = shared_from_this(), ex = std::move(ex)](
                            beast::error_code ec, std::size_t) mutable {
                          self->on_lines(std::move(ex), ec);
                        });
}

void session::on_lines(std::shared_ptr<exchange> ex, beast::error_code ec) {
  reading_ = false;
  read_timer_.cancel();
  if (timed_out_)
    return ex->respond(
        json_error(ex->facts(), status::request_timeout, "publisher idle",
                   "no data within --jobs.idle-timeout; " +
                       std::to_string(lines_.events) + " events were taken"));
  if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
      ec == boost::asio::error::operation_aborted ||
      ec == boost::asio::error::connection_reset)
    return close(); // What came before the loss is published already.
  if (ec)
    return send(bad_request_and_close(11, status_for(ec), ec.message()));
  bool ended = parser_->is_done();
  std::vector<event_input> lines;
  take_lines(parser_->get().body(), false, ctx_.settings.max_event_bytes, ended,
             lines);
  if (lines.empty())
    return ended ? lines_done(ex) : read_lines(std::move(ex));
  ctx_.actors.publish(
      ex->match().job, ex->token_hash, std::move(lines), executor(),
      [self = shared_from_this(), ex,
       ended](outcome<std::vector<std::uint64_t>> result) {
        if (auto* err = std::get_if<failure>(&result))
          return ex->refuse(describe(err->code));
        auto& seqs = std::get<std::vector<std::uint64_t>>(result);
        if (!seqs.empty()) {
          if (self->lines_.events == 0)
            self->lines_.first = seqs.front();
          self->lines_.last = seqs.back();
          self->lines_.events += seqs.size();
        }
        if (ended)
          return self->lines_done(ex);
        self->read_lines(ex);
      });
}

void session::lines_done(const std::shared_ptr<exchange>& ex) {
  // The whole body is read: the connection may serve the next request.
  auto facts = ex->facts();
  facts.keep_alive = ex->req().keep_alive();
  send(json_response(facts, status::accepted,
                     seq_range_json(lines_.events, lines_.first, lines_.last)));
}

void session::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  read_timer_.cancel();
  if (timed_out_) {
    // An idle keep-alive connection just closes; a slow sender learns why.
    if (!parser_->got_some())
      return close();
    return send(bad_request_and_close(11, status::request_timeout,
                                      "request not received in time"));
  }
  if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
      ec == boost::asio::error::operation_aborted ||
      ec == boost::asio::error::connection_reset)
    return close();
  if (ec)
    return send(bad_request_and_close(11, status_for(ec), ec.message()));
  dispatch(parser_->release());
}

void session::dispatch(request&& req) {
  auto match = match_of(req);
  if (auto refusal = check_host(ctx_, host_of(req), facts_of(req), match.api))
    return send(std::move(*refusal));
  if (!match.entry && match.path_known && req.method() == http::verb::options) {
    auto origin = req[http::field::origin];
    auto wanted = req[http::field::access_control_request_method];
    if (!origin.empty() && !wanted.empty())
      return send(preflight(ctx_, {origin.data(), origin.size()},
                            to_method(http::string_to_verb(wanted)),
                            {req.target().data(), req.target().size()},
                            facts_of(req)));
  }
  if (!match.entry)
    return send(no_route(facts_of(req), match));
  auto ex = std::make_shared<exchange>(shared_from_this(), std::move(req),
                                       match, ctx_);
  if (auto refusal = authorize(*ex, true))
    return send(std::move(*refusal));
  match.entry->handle(ex);
}

void session::stream_events(const request_facts& facts, job_id job,
                            resume_point from, const http_framing& framing,
                            client_slot forwarded, stream_expiry expires) {
  auto stream = std::make_shared<http_stream>(
      std::move(stream_), std::move(buffer_), ctx_, framing,
      stream_request{job, from, facts, expires},
      client_slots{std::move(slot_), std::move(forwarded)});
  token_ = {};
  stream->run();
}

void session::upgrade(request&& req, job_id job, resume_point from,
                      const framing& framing, client_slot forwarded,
                      stream_expiry expires) {
  auto ws = std::make_shared<ws_session>(
      std::move(stream_), std::move(buffer_), ctx_, framing, std::move(req),
      stream_request{job, from, {}, expires},
      client_slots{std::move(slot_), std::move(forwarded)});
  token_ = {};
  ws->run();
}

void session::send(message_generator msg) {
  auto keep_alive = msg.keep_alive();
  // A client that does not take its answer in time is cut off.
  stream_.expires_after(ctx_.settings.read_timeout);
  beast::async_write(stream_, std::move(msg),
                     beast::bind_front_handler(&session::on_write,
                                               shared_from_this(), keep_alive));
}

void session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec || !keep_alive)
    return close();
  read_request();
}

void session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send,
                            ignored);
  stream_.socket().close(ignored);
  // Now, not when the last handler lets go of us: the client may connect
  // again at once.
  slot_ = {};
}

} // namespace jobcast
