#pragma once

#include "http/context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace jobcast {

class gateway;

/// The HTTP front end: `settings.threads` threads, each running its own
/// io_context. A connection lives on one of them (assigned round-robin at
/// accept), so its handlers never run concurrently and need no strand, and
/// everything the actors send to that thread's connections can be handed
/// over in one batch (see `inbox` in gateway.cpp).
class server {
public:
  server(gateway& actors, http_settings settings);
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens; returns the port (useful with port 0). Throws
  /// boost::system::system_error if the address cannot be bound.
  std::uint16_t listen();

  /// Starts the threads.
  void start();

  /// Blocks until SIGINT or SIGTERM, then stops as `stop` does.
  void run_until_signal();

  /// Stops accepting, asks every connection to finish (streams get their
  /// closing bytes), waits up to `shutdown_grace`, then stops the threads.
  void stop();

  http_context& context() { return ctx_; }

private:
  void accept();
  /// A new connection: a session, or a refusal past a limit.
  void admit(boost::asio::ip::tcp::socket socket);
  /// Writes `answer` (a status `code`) and closes.
  void refuse(boost::asio::ip::tcp::socket socket, const std::string& answer,
              unsigned code);

  /// The io_context the next accepted connection goes to.
  boost::asio::io_context& next_context();

  // Destroyed last: connections hold references to it.
  http_context ctx_;
  /// One per thread; the first also runs the acceptor.
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::size_t next_ = 0;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  std::vector<std::thread> threads_;
  // Installed from the start, so that a signal never meets the default
  // handler once the server runs.
  boost::asio::io_context signals_ioc_;
  boost::asio::signal_set signals_;
  bool stopped_ = false;
};

} // namespace jobcast
