#include "http/session.hpp"

#include "actors/metrics.hpp"
#include "actors/process.hpp"
#include "http/api.hpp"
#include "http/assets.hpp"
#include "http/chunked.hpp"
#include "http/event_stream.hpp"
#include "http/gateway.hpp"
#include "http/json.hpp"
#include "http/prometheus.hpp"
#include "http/responses.hpp"
#include "http/sse.hpp"
#include "http/tokens.hpp"
#include "http/websocket.hpp"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace jobcast {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

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

const stream_format& sse() {
  static const sse_format instance;
  return instance;
}

std::string_view to_view(beast::string_view x) {
  return {x.data(), x.size()};
}

/// `401` with the header that says how to authenticate.
message_generator unauthorized(const request_facts& facts,
                               std::string_view detail) {
  return json_error(facts, status::unauthorized, "unauthorized", detail,
                    "Bearer");
}

/// The JSON error for an actor's refusal.
message_generator failure_reply(const request_facts& facts,
                                const failure& err) {
  switch (err.code) {
  case errc::forbidden:
    return json_error(facts, status::forbidden, "forbidden",
                      "wrong publish token for this job");
  case errc::not_running:
    return json_error(facts, status::conflict, "job queued",
                      "the job has not started yet");
  case errc::unknown_job:
    return json_error(facts, status::not_found, "not found",
                      "no job with that id");
  case errc::job_finished:
    return json_error(facts, status::conflict, "job finished",
                      "the job has already ended");
  default:
    return json_error(facts, status::service_unavailable, "unavailable",
                      err.detail);
  }
}

/// A job's JSON, or the JSON error for why there is none.
message_generator job_reply(const request_facts& facts,
                            const outcome<job_info>& result) {
  if (auto* info = std::get_if<job_info>(&result))
    return json_response(facts, status::ok, job_json(*info));
  return failure_reply(facts, std::get<failure>(result));
}

} // namespace

session::session(beast::tcp_stream&& stream, beast::flat_buffer&& buffer,
                 http_context& ctx)
    : stream_(std::move(stream))
    , buffer_(std::move(buffer))
    , ctx_(ctx)
    , read_timer_(stream_.get_executor()) {}

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
  // Our own timer, not the stream's: a stream timeout closes the socket, and
  // a slow sender should still hear 408.
  stream_.expires_never();
  timed_out_ = false;
  read_timer_.expires_after(ctx_.settings.read_timeout);
  read_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || !self->reading_)
      return;
    self->timed_out_ = true;
    beast::error_code ignored;
    self->stream_.socket().cancel(ignored);
  });
  reading_ = true;
  http::async_read(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&session::on_read, shared_from_this()));
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
  if (r.id == route_id::not_found) {
    if (target.rfind("/api/", 0) == 0)
      return send(json_error(facts, status::not_found, "not found",
                             "no such resource"));
    return send(
        error_response(facts, status::not_found, "no such page or job"));
  }
  if (!r.method_allowed)
    return send(method_not_allowed(facts, r.allow));
  switch (r.id) {
  case route_id::home:
    if (req.method() == http::verb::post) {
      // The home page's form: kind=<name>[&token=<start token>].
      auto form_token = form_field(req.body(), "token").value_or("");
      if (auto refusal = check_start_token(req, facts, form_token, false))
        return send(std::move(*refusal));
      job_spec spec;
      spec.kind = form_field(req.body(), "kind").value_or("demo");
      // The form starts what the page offers; external jobs need the API,
      // which hands out their publish token.
      auto& offered = ctx_.settings.job_kinds;
      if (std::find(offered.begin(), offered.end(), spec.kind) == offered.end())
        return send(error_response(facts, status::bad_request,
                                   "no job kind \"" + sanitize_utf8(spec.kind) +
                                       "\" to start here"));
      return start_job(facts, std::move(spec), false, {});
    }
    return home_page(facts);
  case route_id::asset: {
    auto file = find_asset(r.name);
    if (!file)
      return send(error_response(facts, status::not_found, "no such file"));
    return send(make_response(facts, status::ok, content_type_for(file->name),
                              std::string{file->bytes}));
  }
  case route_id::metrics:
    return metrics_page(facts);
  case route_id::healthz:
    if (ctx_.connections.stopping())
      return send(
          error_response(facts, status::service_unavailable, "shutting down"));
    return send(
        make_response(facts, status::ok, "text/plain; charset=utf-8", "ok\n"));
  case route_id::view_progress: {
    auto accept = req[http::field::accept];
    auto html =
        r.format == "html" ||
        (r.format != "text" && prefers_html({accept.data(), accept.size()}));
    if (html)
      return view_page(facts, r.job);
    return stream_events(facts, r.job, 0, chunked_text());
  }
  case route_id::job_events: {
    auto header = req["Last-Event-ID"];
    auto after = resume_position({header.data(), header.size()}, r.query);
    if (!after)
      return send(error_response(facts, status::bad_request,
                                 "Last-Event-ID must be a whole number"));
    return stream_events(facts, r.job, *after, sse());
  }
  case route_id::job_ws: {
    if (!websocket::is_upgrade(req))
      return send(error_response(facts, status::upgrade_required,
                                 "expected a WebSocket upgrade"));
    auto after = resume_position({}, r.query);
    if (!after)
      return send(error_response(facts, status::bad_request,
                                 "last-event-id must be a whole number"));
    auto ws =
        std::make_shared<ws_session>(std::move(stream_), std::move(buffer_),
                                     ctx_, std::move(req), r.job, *after);
    token_ = {};
    return ws->run();
  }
  case route_id::api_jobs: {
    if (req.method() == http::verb::post) {
      if (auto refusal = check_start_token(req, facts, {}, true))
        return send(std::move(*refusal));
      auto parsed = parse_job_spec(req.body());
      if (auto* err = std::get_if<bad_input>(&parsed))
        return send(
            json_error(facts, status::bad_request, err->error, err->detail));
      auto spec = std::get<job_spec>(std::move(parsed));
      // External jobs get a publish token, shown once; only its hash stays.
      std::string token;
      if (spec.kind == "external") {
        token = new_token();
        spec.token_hash = token_hash(token);
      }
      return start_job(facts, std::move(spec), true, std::move(token));
    }
    auto query = parse_job_query(r.query);
    if (auto* err = std::get_if<bad_input>(&query))
      return send(
          json_error(facts, status::bad_request, err->error, err->detail));
    return list_jobs(facts, std::get<job_query>(query));
  }
  case route_id::api_job:
    if (req.method() == http::verb::delete_) {
      if (auto refusal = check_start_token(req, facts, {}, true))
        return send(std::move(*refusal));
      return cancel_job(facts, r.job);
    }
    return show_job(facts, r.job);
  case route_id::api_publish:
  case route_id::api_finish: {
    auto token = bearer_token(to_view(req[http::field::authorization]));
    if (token.empty())
      return send(unauthorized(facts, "a Bearer publish token is required"));
    if (r.id == route_id::api_finish) {
      auto parsed = parse_finish(req.body(), ctx_.settings.max_event_bytes);
      if (auto* err = std::get_if<bad_input>(&parsed))
        return send(json_error(facts, static_cast<status>(err->status),
                               err->error, err->detail));
      auto fin = std::get<finish_request>(std::move(parsed));
      return finish_job(facts, r.job, token_hash(token), fin.state,
                        std::move(fin.text));
    }
    auto parsed =
        parse_events(req.body(), to_view(req[http::field::content_type]),
                     ctx_.settings.max_event_bytes);
    if (auto* err = std::get_if<bad_input>(&parsed))
      return send(json_error(facts, static_cast<status>(err->status),
                             err->error, err->detail));
    return publish(facts, r.job, token_hash(token),
                   std::get<std::vector<event_input>>(std::move(parsed)));
  }
  case route_id::not_found:
    break;
  }
}

void session::stream_events(const request_facts& facts, job_id job,
                            std::uint64_t after, const stream_format& format) {
  auto stream = std::make_shared<event_stream>(
      std::move(stream_), std::move(buffer_), ctx_, format,
      stream_request{job, after, facts});
  token_ = {};
  stream->run();
}

template <class Render> void session::with_jobs(Render render) {
  // Pages render what they can: no jobs if the registry does not answer.
  ctx_.actors.list_jobs(
      stream_.get_executor(),
      [self = shared_from_this(),
       render = std::move(render)](outcome<std::vector<job_info>> result) {
        std::vector<job_info> jobs;
        if (auto* list = std::get_if<std::vector<job_info>>(&result))
          jobs = std::move(*list);
        self->send(render(*self, std::move(jobs)));
      });
}

void session::home_page(const request_facts& facts) {
  with_jobs([facts](session& self, std::vector<job_info> jobs) {
    if (jobs.size() > 20)
      jobs.resize(20);
    auto page = find_asset("index.html");
    return make_response(facts, status::ok, content_type_for(page->name),
                         render_home(page->bytes, jobs,
                                     self.ctx_.settings.job_kinds,
                                     !self.ctx_.settings.start_token.empty()));
  });
}

void session::metrics_page(const request_facts& facts) {
  with_jobs([facts](session& self, std::vector<job_info> jobs) {
    return make_response(facts, status::ok,
                         "text/plain; version=0.0.4; charset=utf-8",
                         render_metrics(self.ctx_.connections, jobs,
                                        self.ctx_.actors.running_actors()));
  });
}

void session::view_page(const request_facts& facts, job_id job) {
  // Unknown jobs get a 404 page, not a live page that waits forever.
  ctx_.actors.job(job, stream_.get_executor(),
                  [self = shared_from_this(), facts](outcome<job_info> result) {
                    if (std::holds_alternative<failure>(result))
                      return self->send(error_response(facts, status::not_found,
                                                       "no such job"));
                    auto page = find_asset("view.html");
                    self->send(make_response(facts, status::ok,
                                             content_type_for(page->name),
                                             std::string{page->bytes}));
                  });
}

std::optional<message_generator>
session::check_start_token(const request& req, const request_facts& facts,
                           std::string_view form_token, bool api) {
  auto& expected = ctx_.settings.start_token;
  if (expected.empty())
    return std::nullopt;
  auto given = bearer_token(to_view(req[http::field::authorization]));
  if (given.empty())
    given = std::string{form_token};
  if (given.empty())
    return api ? unauthorized(facts, "this server requires a start token")
               : error_response(facts, status::unauthorized,
                                "this server requires a start token");
  if (!tokens_equal(given, expected))
    return api ? json_error(facts, status::forbidden, "forbidden",
                            "wrong start token")
               : error_response(facts, status::forbidden, "wrong start token");
  return std::nullopt;
}

void session::publish(const request_facts& facts, job_id job, std::string hash,
                      std::vector<event_input> events) {
  ctx_.actors.publish(
      job, std::move(hash), std::move(events), stream_.get_executor(),
      [self = shared_from_this(),
       facts](outcome<std::vector<std::uint64_t>> result) {
        if (auto* seqs = std::get_if<std::vector<std::uint64_t>>(&result))
          return self->send(
              json_response(facts, status::accepted, seqs_json(*seqs)));
        self->send(failure_reply(facts, std::get<failure>(result)));
      });
}

void session::finish_job(const request_facts& facts, job_id job,
                         std::string hash, job_state state, std::string text) {
  ctx_.actors.finish(
      job, std::move(hash), state, std::move(text), stream_.get_executor(),
      [self = shared_from_this(), facts](outcome<job_info> result) {
        self->send(job_reply(facts, result));
      });
}

void session::start_job(const request_facts& facts, job_spec spec, bool api,
                        std::string token) {
  ctx_.actors.start_job(
      std::move(spec), stream_.get_executor(),
      [self = shared_from_this(), facts, api,
       token = std::move(token)](outcome<job_info> result) {
        if (auto* info = std::get_if<job_info>(&result)) {
          auto id = std::to_string(info->id);
          if (!api)
            return self->send(see_other(facts, "/view-progress/" + id));
          return self->send(json_response(facts, status::created,
                                          job_json(*info, token),
                                          "/api/jobs/" + id));
        }
        auto& err = std::get<failure>(result);
        if (err.code == errc::unknown_kind)
          return self->send(api ? json_error(facts, status::bad_request,
                                             "unknown kind",
                                             "no job kind of that name")
                                : error_response(facts, status::bad_request,
                                                 "no job kind of that name"));
        self->send(api ? json_error(facts, status::service_unavailable,
                                    "unavailable", err.detail)
                       : error_response(facts, status::service_unavailable,
                                        "could not start a job"));
      });
}

void session::list_jobs(const request_facts& facts, job_query query) {
  ctx_.actors.list_jobs(
      stream_.get_executor(), [self = shared_from_this(), facts,
                               query](outcome<std::vector<job_info>> result) {
        if (auto* err = std::get_if<failure>(&result))
          return self->send(json_error(facts, status::service_unavailable,
                                       "unavailable", err->detail));
        self->send(json_response(
            facts, status::ok,
            jobs_page_json(std::get<std::vector<job_info>>(result), query)));
      });
}

void session::show_job(const request_facts& facts, job_id job) {
  ctx_.actors.job(job, stream_.get_executor(),
                  [self = shared_from_this(), facts](outcome<job_info> result) {
                    self->send(job_reply(facts, result));
                  });
}

void session::cancel_job(const request_facts& facts, job_id job) {
  ctx_.actors.cancel_job(
      job, stream_.get_executor(),
      [self = shared_from_this(), facts](outcome<job_info> result) {
        self->send(job_reply(facts, result));
      });
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
