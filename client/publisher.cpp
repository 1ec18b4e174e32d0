#include "client/publisher.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <iostream>

namespace jobcast::run {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr auto connect_timeout = 5s;
/// An answer to a publish waits until the job's viewers took the events.
constexpr auto request_timeout = 30s;
constexpr auto first_backoff = std::chrono::milliseconds{100};
constexpr auto max_backoff = std::chrono::milliseconds{2000};
/// A batch stays well inside the server's default --limits.max-body-bytes
/// (1 MiB) even if every byte needs a six-byte JSON escape.
constexpr std::size_t batch_events = 2000;
constexpr std::size_t batch_text_bytes = 128 * 1024;

void say(const std::string& text) {
  std::cerr << "jobcast-run: " << text << std::endl;
}

/// The server's reason for a refusal, in one line.
std::string reason(unsigned status, const std::string& body) {
  std::string words;
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (!ec && value.is_object()) {
    auto& obj = value.as_object();
    for (auto key : {"error", "detail"}) {
      auto* field = obj.if_contains(key);
      if (field && field->is_string())
        words += (words.empty() ? "" : ": ") + std::string{field->as_string()};
    }
  } else {
    words = body.substr(0, body.find('\n'));
  }
  return "HTTP " + std::to_string(status) + (words.empty() ? "" : " ") + words;
}

/// Whether `ec` says a kept-alive connection was closed by the server
/// before this request reached it: worth one more try at once.
bool stale_connection(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

std::string events_json(const std::vector<outgoing>& batch) {
  json::array events;
  events.reserve(batch.size());
  for (auto& ev : batch) {
    json::object obj;
    obj["text"] = ev.text;
    if (ev.from_stderr)
      obj["stream"] = "stderr";
    if (ev.progress >= 0)
      obj["progress"] = ev.progress;
    events.emplace_back(std::move(obj));
  }
  return json::serialize(events);
}

} // namespace

publisher::publisher(asio::io_context& io, const run_options& opts)
    : io_(io)
    , opts_(opts)
    , queue_(opts.hold_lines)
    , resolver_(io)
    , retry_(io)
    , keepalive_(io)
    , deadline_(io) {}

publisher::~publisher() = default;

publisher::request publisher::make(http::verb verb, const std::string& path,
                                   const std::string& bearer,
                                   std::string body) const {
  request req{verb, opts_.server.base_path + path, 11};
  req.set(http::field::host, opts_.server.authority);
  req.set(http::field::user_agent, "jobcast-run");
  if (!bearer.empty())
    req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty())
    req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.keep_alive(true);
  req.prepare_payload();
  return req;
}

void publisher::open(std::function<void(opened)> done) {
  started_ = true;
  on_open_ = std::move(done);
  next();
}

void publisher::line(std::string text, bool from_stderr) {
  queue_.add_line(std::move(text), from_stderr);
  next();
}

void publisher::progress(double fraction) {
  queue_.add_progress(fraction);
  next();
}

void publisher::note(std::string text) {
  queue_.add_note("jobcast-run: " + std::move(text));
  next();
}

void publisher::close(ending how, std::function<void()> done) {
  closing_ = true;
  ending_ = std::move(how);
  on_closed_ = std::move(done);
  keepalive_.cancel();
  deadline_.expires_after(opts_.drain_timeout);
  deadline_.async_wait([this](boost::system::error_code ec) {
    if (!ec)
      abandon();
  });
  next();
}

void publisher::abandon() {
  if (!on_closed_)
    return;
  gave_up_ = true;
  finished();
}

void publisher::next() {
  if (!started_ || ended_ || busy_ || waiting_)
    return;
  if (gave_up_) {
    if (closing_)
      finished();
    return;
  }
  if (job_ == 0)
    return create();
  if (queue_.waiting() > 0)
    return publish_batch();
  if (closing_)
    return end_job();
}

void publisher::create() {
  json::object spec{{"kind", "external"}, {"title", opts_.title}};
  send(make(http::verb::post, "/api/jobs", opts_.token, json::serialize(spec)),
       [this](result r) {
         if (r.ec || r.status >= 500) {
           lost_server(r);
           if (auto done = std::move(on_open_)) {
             on_open_ = nullptr;
             done(opened::unreachable);
           }
           return retry_later();
         }
         boost::system::error_code ec;
         auto value = json::parse(r.body, ec);
         auto* obj = !ec && r.status == 201 ? value.if_object() : nullptr;
         auto* id = obj ? obj->if_contains("id") : nullptr;
         auto* token = obj ? obj->if_contains("token") : nullptr;
         if (!id || !id->is_int64() || id->as_int64() <= 0 || !token ||
             !token->is_string()) {
           auto why = "the server would not create the job: " +
                      reason(r.status, r.body);
           if (auto done = std::move(on_open_)) {
             on_open_ = nullptr;
             say(why);
             return done(opened::refused);
           }
           return give_up(why);
         }
         reached_server();
         job_ = static_cast<std::uint64_t>(id->as_int64());
         token_ = std::string{token->as_string()};
         say("job " + std::to_string(job_) + ": " + opts_.server.text +
             "/view-progress/" + std::to_string(job_));
         if (forgotten_ != 0)
           queue_.prepend_note("jobcast-run: continues job " +
                               std::to_string(forgotten_) +
                               ", which the server no longer knows (it "
                               "restarted?); earlier output was there");
         forgotten_ = 0;
         arm_keepalive();
         if (auto done = std::move(on_open_)) {
           on_open_ = nullptr;
           done(opened::created);
         }
         next();
       });
}

void publisher::publish_batch() {
  auto batch = queue_.take(batch_events, batch_text_bytes);
  auto count = batch.size();
  send(make(http::verb::post, "/api/jobs/" + std::to_string(job_) + "/events",
            token_, events_json(batch)),
       [this, count](result r) {
         if (r.ec || r.status >= 500) {
           queue_.failed();
           lost_server(r);
           return retry_later();
         }
         reached_server();
         if (r.status == 202) {
           queue_.sent();
           arm_keepalive();
         } else if (r.status == 404 || r.status == 403) {
           queue_.failed();
           job_forgotten();
         } else if (r.status == 409) {
           queue_.failed();
           return give_up("job " + std::to_string(job_) +
                          " has ended on the server (" +
                          reason(r.status, r.body) + ")");
         } else {
           // All or nothing: this batch cannot be published as it is.
           queue_.refused();
           say("the server refused " + std::to_string(count) +
               " events: " + reason(r.status, r.body));
         }
         next();
       });
}

void publisher::end_job() {
  auto id = std::to_string(job_);
  request req;
  if (ending_.what == ending::kind::cancelled) {
    req = make(http::verb::delete_, "/api/jobs/" + id, opts_.token);
  } else {
    json::object fin{{"state", ending_.what == ending::kind::succeeded
                                   ? "succeeded"
                                   : "failed"},
                     {"text", ending_.text}};
    req = make(http::verb::post, "/api/jobs/" + id + "/finish", token_,
               json::serialize(fin));
  }
  send(std::move(req), [this](result r) {
    if (r.ec || r.status >= 500) {
      lost_server(r);
      return retry_later();
    }
    reached_server();
    auto cancel = ending_.what == ending::kind::cancelled;
    if (r.status == 404 || (!cancel && r.status == 403)) {
      job_forgotten();
      return next();
    }
    if (r.status != 200 && r.status != 409)
      say("could not end job " + std::to_string(job_) + ": " +
          reason(r.status, r.body));
    finished();
  });
}

void publisher::send(request req, std::function<void(result)> then) {
  busy_ = true;
  auto shared = std::make_shared<request>(std::move(req));
  auto reused = conn_ != nullptr;
  exchange(shared, false, [this, shared, reused, then](result r) {
    if (ended_)
      return;
    if (r.ec && reused && stale_connection(r.ec))
      return exchange(shared, true, [this, then](result again) {
        busy_ = false;
        if (!ended_)
          then(std::move(again));
      });
    busy_ = false;
    then(std::move(r));
  });
}

void publisher::exchange(std::shared_ptr<request> req, bool fresh,
                         std::function<void(result)> then) {
  auto fail = [this, then](boost::system::error_code ec) {
    // Not destroyed inside its own handler.
    asio::post(io_, [conn = std::move(conn_)] {});
    then(result{ec, 0, {}});
  };
  auto write = [this, req, then, fail] {
    conn_->expires_after(request_timeout);
    http::async_write(
        *conn_, *req,
        [this, then, fail](boost::system::error_code ec, std::size_t) {
          if (ec)
            return fail(ec);
          res_ = std::make_shared<response>();
          buf_.clear();
          http::async_read(
              *conn_, buf_, *res_,
              [this, then, fail, res = res_](boost::system::error_code ec,
                                             std::size_t) {
                if (ec)
                  return fail(ec);
                if (!res->keep_alive())
                  asio::post(io_, [conn = std::move(conn_)] {});
                then(result{{}, res->result_int(), std::move(res->body())});
              });
        });
  };
  if (conn_ && !fresh)
    return write();
  if (conn_)
    asio::post(io_, [conn = std::move(conn_)] {});
  resolver_.async_resolve(
      opts_.server.host, opts_.server.port,
      [this, write, fail](boost::system::error_code ec,
                          asio::ip::tcp::resolver::results_type found) {
        if (ec)
          return fail(ec);
        conn_ = std::make_unique<beast::tcp_stream>(io_);
        conn_->expires_after(connect_timeout);
        conn_->async_connect(found,
                             [write, fail](boost::system::error_code ec,
                                           const asio::ip::tcp::endpoint&) {
                               if (ec)
                                 return fail(ec);
                               write();
                             });
      });
}

void publisher::lost_server(const result& r) {
  if (outage_)
    return;
  outage_ = true;
  say("cannot reach " + opts_.server.text + " (" +
      (r.ec ? r.ec.message() : reason(r.status, r.body)) + "); holding up to " +
      std::to_string(opts_.hold_lines) + " lines of output and trying again");
}

void publisher::reached_server() {
  backoff_ = std::chrono::milliseconds{0};
  if (!outage_)
    return;
  outage_ = false;
  say("reached " + opts_.server.text + " again");
}

void publisher::retry_later() {
  backoff_ = backoff_.count() == 0 ? first_backoff
                                   : std::min(backoff_ * 2, max_backoff);
  waiting_ = true;
  retry_.expires_after(backoff_);
  retry_.async_wait([this](boost::system::error_code ec) {
    if (ec)
      return;
    waiting_ = false;
    next();
  });
}

void publisher::job_forgotten() {
  say("the server no longer knows job " + std::to_string(job_) +
      " (it restarted?); going on in a new job");
  forgotten_ = job_;
  job_ = 0;
  token_.clear();
}

void publisher::give_up(const std::string& why) {
  gave_up_ = true;
  keepalive_.cancel();
  say(why + "; output is no longer published");
  if (closing_)
    finished();
}

void publisher::arm_keepalive() {
  if (opts_.keepalive.count() <= 0 || closing_)
    return;
  keepalive_.expires_after(opts_.keepalive);
  keepalive_.async_wait([this](boost::system::error_code ec) {
    if (ec || closing_ || gave_up_)
      return;
    // An empty event: it shows in no text view or page, but tells the job
    // its publisher is alive.
    if (queue_.empty())
      queue_.add_note("", false);
    next();
  });
}

void publisher::finished() {
  auto done = std::move(on_closed_);
  on_closed_ = nullptr;
  if (!done)
    return;
  ended_ = true;
  retry_.cancel();
  keepalive_.cancel();
  deadline_.cancel();
  resolver_.cancel();
  if (conn_)
    conn_->cancel();
  if (auto n = queue_.unpublished())
    say(std::to_string(n) + (n == 1 ? " line" : " lines") +
        " of output could not be sent to " + opts_.server.text + " (" +
        std::to_string(queue_.dropped()) + " gave way to --hold-lines, " +
        std::to_string(queue_.lost()) + " refused, " +
        std::to_string(queue_.held()) + " still held)");
  done();
}

} // namespace jobcast::run
