#pragma once

// jobcast-run's side of the publisher API (docs/api.md): one keep-alive
// HTTP connection that creates the external job, publishes the backlog a
// batch at a time (whatever arrived while a request was out goes in the
// next), and ends the job. A server that cannot be reached is tried again
// with backoff while output waits in the bounded backlog; a server that
// forgot the job (a restart) gets a new one.

#include "client/arguments.hpp"
#include "client/backlog.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace jobcast::run {

/// How the job is to end.
struct ending {
  enum class kind { succeeded, failed, cancelled };
  kind what = kind::succeeded;
  std::string text;
};

class publisher {
public:
  /// How the first try to create the job went.
  enum class opened {
    created,     ///< The job exists; its URL is on stderr.
    unreachable, ///< No answer yet; trying on in the background.
    refused,     ///< The server said no (bad token, say): do not run.
  };

  publisher(boost::asio::io_context& io, const run_options& opts);
  ~publisher();

  /// Creates the job; `done` hears how the first try went.
  void open(std::function<void(opened)> done);

  void line(std::string text, bool from_stderr);
  void progress(double fraction);
  /// Words of jobcast-run's own for the job's viewers (a stderr line).
  void note(std::string text);

  /// The command ended: publishes what is held, then ends the job; gives up
  /// on what is left after `--drain-timeout`. `done` runs once, either way.
  void close(ending how, std::function<void()> done);

  /// After `close`: stops trying at once (a second Ctrl-C, say).
  void abandon();

  /// Lines of output that did not reach the server.
  std::uint64_t unpublished() const { return queue_.unpublished(); }

private:
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using response =
      boost::beast::http::response<boost::beast::http::string_body>;
  /// What a request came to: a transport error, or the server's answer.
  struct result {
    boost::system::error_code ec;
    unsigned status = 0;
    std::string body;
  };

  void next();
  void create();
  void publish_batch();
  void end_job();
  void send(request req, std::function<void(result)> then);
  void exchange(std::shared_ptr<request> req, bool fresh,
                std::function<void(result)> then);
  void lost_server(const result& r);
  void reached_server();
  void retry_later();
  void job_forgotten();
  void give_up(const std::string& why);
  void arm_keepalive();
  void finished();
  request make(boost::beast::http::verb verb, const std::string& path,
               const std::string& bearer, std::string body = {}) const;

  boost::asio::io_context& io_;
  const run_options& opts_;
  backlog queue_;
  boost::asio::ip::tcp::resolver resolver_;
  std::unique_ptr<boost::beast::tcp_stream> conn_;
  boost::beast::flat_buffer buf_;
  std::shared_ptr<response> res_;
  boost::asio::steady_timer retry_;
  boost::asio::steady_timer keepalive_;
  boost::asio::steady_timer deadline_;

  std::uint64_t job_ = 0;       ///< 0 until the server made one.
  std::string token_;           ///< Its publish token.
  std::uint64_t forgotten_ = 0; ///< A job the server no longer knows.
  bool started_ = false;        ///< `open` was called.
  bool ended_ = false;          ///< `close` is done: nothing more happens.
  bool busy_ = false;           ///< A request is out.
  bool waiting_ = false;        ///< Backing off before the next try.
  bool outage_ = false;         ///< The last try failed.
  bool gave_up_ = false;        ///< Nothing more is sent.
  std::chrono::milliseconds backoff_{0};
  std::function<void(opened)> on_open_;
  bool closing_ = false;
  ending ending_;
  std::function<void()> on_closed_;
};

} // namespace jobcast::run
