#pragma once

#include "http/api.hpp"
#include "http/connection.hpp"
#include "http/context.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "http/stream_format.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>

namespace jobcast {

/// One client connection in request/response mode: reads a request, answers
/// it, and reads the next one while the client keeps the connection alive.
/// A streaming request hands the socket to an `event_stream`, which hands it
/// back when the stream ends.
class session : public connection,
                public std::enable_shared_from_this<session> {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  session(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer&& buffer,
          http_context& ctx);

  /// Starts reading requests.
  void run();

  /// Writes `msg`, then goes on as `run` does if it keeps the connection.
  void run_after(boost::beast::http::message_generator msg);

  void shutdown() override;

private:
  void read_request();
  void on_read(boost::beast::error_code ec, std::size_t);
  void handle(request&& req);
  void stream_events(const request_facts& facts, job_id job,
                     std::uint64_t after, const stream_format& format);
  /// Lists the jobs, then sends what `render(*this, jobs)` returns.
  template <class Render> void with_jobs(Render render);
  void home_page(const request_facts& facts);
  void metrics_page(const request_facts& facts);
  void view_page(const request_facts& facts, job_id job);
  void start_job(const request_facts& facts, job_spec spec, bool api,
                 std::string token);
  void publish(const request_facts& facts, job_id job, std::string hash,
               std::vector<event_input> events);
  void finish_job(const request_facts& facts, job_id job, std::string hash,
                  job_state state, std::string text);
  /// The refusal if the server wants a start token and did not get it.
  std::optional<boost::beast::http::message_generator>
  check_start_token(const request& req, const request_facts& facts,
                    std::string_view form_token, bool api);
  void list_jobs(const request_facts& facts, job_query query);
  void show_job(const request_facts& facts, job_id job);
  void cancel_job(const request_facts& facts, job_id job);
  void send(boost::beast::http::message_generator msg);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  http_context& ctx_;
  connection_tracker::token token_;
  std::optional<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  boost::asio::steady_timer read_timer_;
  bool timed_out_ = false;
  bool reading_ = false;
  bool stopping_ = false;
};

} // namespace jobcast
