#pragma once

#include "actors/job_info.hpp"
#include "http/access_token.hpp"
#include "http/client_address.hpp"
#include "http/client_limits.hpp"
#include "http/connection.hpp"
#include "http/context.hpp"
#include "http/responses.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message_generator.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace jobcast {

class exchange;
class framing;
class http_framing;

/// The address at the other end of `socket` (IPv4-mapped as IPv4);
/// unspecified if it has none (closed).
ip_address peer_address(const boost::asio::ip::tcp::socket& socket);

/// One client connection in request/response mode: reads a request, has the
/// route table answer it (routes.cpp, exchange.hpp), writes the answer, and
/// reads the next one while the client keeps the connection alive. A
/// streaming request hands the socket to a stream, which hands it back when
/// the stream ends.
class session : public connection,
                public std::enable_shared_from_this<session> {
public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  /// `slot`: what the connection counts against its client, if anything.
  session(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer&& buffer,
          http_context& ctx, client_slot slot);

  /// Starts reading requests.
  void run();

  /// Writes `msg`, then goes on as `run` does if it keeps the connection.
  void run_after(boost::beast::http::message_generator msg);

  void shutdown() override;

  /// Writes an answer, then reads the next request (or closes).
  void send(boost::beast::http::message_generator msg);

  /// Hands the connection to a stream of `job` in `framing`; `forwarded`:
  /// what the stream counts against a client behind a proxy.
  void stream_events(const request_facts& facts, job_id job, resume_point from,
                     const http_framing& framing, client_slot forwarded,
                     stream_expiry expires);

  /// Hands the connection to a WebSocket stream of `job`.
  void upgrade(request&& req, job_id job, resume_point from,
               const framing& framing, client_slot forwarded,
               stream_expiry expires);

  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

  /// The address at the other end (IPv4-mapped as IPv4); unspecified once
  /// the socket is closed.
  ip_address peer() const;

private:
  void read_request();
  /// Arms the read timer: at `after`, a read still under way is cancelled
  /// and answered 408.
  void arm_read_timer(std::chrono::nanoseconds after);
  void on_header(boost::beast::error_code ec, std::size_t n);
  /// Answers `Expect: 100-continue`: 100 if the request may go on, else its
  /// final status at once (and the body is never read).
  void check_continue();
  void send_continue(std::function<void()> then);
  void read_body();

  // A text/plain publish with a chunked body is published line by line as
  // it arrives (a live log through `curl -T -`), not read whole first.
  /// Whether the request whose header was read is such a publish.
  bool streams_lines() const;
  /// Authorizes it (and answers a 100-continue), then reads its lines.
  void start_lines(bool continue_first);
  void read_lines(std::shared_ptr<exchange> ex);
  void on_lines(std::shared_ptr<exchange> ex, boost::beast::error_code ec);
  /// 202 with what was taken, once the body has ended.
  void lines_done(const std::shared_ptr<exchange>& ex);
  void on_read(boost::beast::error_code ec, std::size_t);
  void dispatch(request&& req);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t);
  void close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  http_context& ctx_;
  connection_tracker::token token_;
  client_slot slot_;
  std::optional<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  boost::asio::steady_timer read_timer_;
  /// What a streamed publish has taken so far.
  struct line_tally {
    std::uint64_t events = 0;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
  } lines_;
  bool timed_out_ = false;
  bool reading_ = false;
  bool stopping_ = false;
};

} // namespace jobcast
