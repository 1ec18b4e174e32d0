#include "http/server.hpp"

#include "actors/log.hpp"
#include "http/errors.hpp"
#include "http/responses.hpp"
#include "http/session.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>
#include <csignal>
#include <future>

namespace jobcast {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::vector<std::unique_ptr<asio::io_context>> make_contexts(std::size_t n) {
  std::vector<std::unique_ptr<asio::io_context>> result;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, n); ++i)
    // Run by exactly one thread each.
    result.push_back(std::make_unique<asio::io_context>(1));
  return result;
}

/// The server has all the connections it may have.
const std::string& busy() {
  static const std::string bytes =
      "HTTP/1.1 503 Service Unavailable\r\nServer: jobcast\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: 51\r\n\r\n"
      "503 Service Unavailable: too many open connections\n";
  return bytes;
}

/// The client has all the connections it may have. Retry-After 1: nobody
/// knows when one of them will close.
const std::string& too_many_from_client() {
  static const std::string bytes =
      closing_reply(describe(client_limit::connections, 1));
  return bytes;
}

} // namespace

server::server(gateway& actors, http_settings settings)
    : ctx_{actors, std::move(settings), {}}
    , contexts_(make_contexts(ctx_.settings.threads))
    , acceptor_(*contexts_.front())
    , backoff_(acceptor_.get_executor())
    , signals_(signals_ioc_, SIGINT, SIGTERM) {
  ctx_.origins = origin_policy{ctx_.settings.cors_origins};
  // main.cpp refused a list that does not parse.
  std::string error;
  ctx_.limits = client_limits{
      ctx_.settings.starts_per_minute, ctx_.settings.connections_per_ip,
      trusted_proxies::parse(ctx_.settings.trusted_proxies, error)
          .value_or(trusted_proxies{})};
}

server::~server() {
  stop();
}

std::uint16_t server::listen() {
  auto address = asio::ip::make_address(ctx_.settings.address);
  tcp::endpoint endpoint{address, ctx_.settings.port};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  auto port = acceptor_.local_endpoint().port();
  // Before the first connection: the default names carry the real port.
  ctx_.hosts = host_policy::for_server(ctx_.settings.allowed_hosts,
                                       ctx_.settings.address, port);
  accept();
  return port;
}

void server::start() {
  for (auto& ioc : contexts_)
    threads_.emplace_back([&ioc = *ioc] {
      // Stays up while idle; stop() ends it.
      auto guard = asio::make_work_guard(ioc);
      ioc.run();
    });
}

asio::io_context& server::next_context() {
  auto& ioc = *contexts_[next_];
  next_ = (next_ + 1) % contexts_.size();
  return ioc;
}

void server::accept() {
  acceptor_.async_accept(
      next_context(), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open())
          return;
        if (ec == asio::error::no_descriptors ||
            ec == asio::error::no_buffer_space) {
          // Out of file descriptors: retry shortly instead of spinning.
          backoff_.expires_after(std::chrono::milliseconds{50});
          backoff_.async_wait([this](boost::system::error_code wait_ec) {
            if (!wait_ec)
              accept();
          });
          return;
        }
        if (!ec)
          admit(std::move(socket));
        accept();
      });
}

void server::admit(tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (ctx_.connections.size() >= ctx_.settings.max_connections)
    return refuse(std::move(socket), busy(), 503);
  // The peer is looked up only if a per-client limit needs it.
  std::optional<client_slot> slot{std::in_place};
  if (ctx_.limits.limits_connections())
    slot = ctx_.limits.connect(peer_address(socket));
  if (!slot)
    return refuse(std::move(socket), too_many_from_client(), 429);
  std::make_shared<session>(boost::beast::tcp_stream{std::move(socket)},
                            boost::beast::flat_buffer{}, ctx_, std::move(*slot))
      ->run();
}

void server::refuse(tcp::socket socket, const std::string& answer,
                    unsigned code) {
  // Answered without a session, parser or actor: the cheapest way to say no.
  count_response(code);
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  asio::async_write(*sock, asio::buffer(answer),
                    [sock](boost::system::error_code, std::size_t) {
                      boost::system::error_code ignored;
                      sock->shutdown(tcp::socket::shutdown_both, ignored);
                      sock->close(ignored);
                    });
}

void server::run_until_signal() {
  signals_.async_wait([](boost::system::error_code, int) {});
  signals_ioc_.run();
  signals_.clear();
  // A second signal ends the process at once, grace or not.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  stop();
}

void server::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  if (threads_.empty()) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  } else {
    std::promise<void> closed;
    asio::post(acceptor_.get_executor(), [this, &closed] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      closed.set_value();
    });
    closed.get_future().wait();
  }
  ctx_.connections.shutdown_all();
  auto deadline =
      std::chrono::steady_clock::now() + ctx_.settings.shutdown_grace;
  if (!ctx_.connections.wait_empty(deadline))
    JOBCAST_LOG_WARNING("shutdown grace over with " << ctx_.connections.size()
                                                    << " connections open");
  for (auto& ioc : contexts_)
    ioc->stop();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
}

} // namespace jobcast
