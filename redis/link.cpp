#include "redis/link.hpp"

#include "redis/errc.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace jobcast::redis {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

link::link(asio::io_context& ioc, handlers h)
    : resolver_{ioc}
    , socket_{ioc}
    , handlers_{std::move(h)} {}

link::~link() = default;

void link::open(const url& address) {
  resolver_.async_resolve(
      address.host, std::to_string(address.port),
      [self = shared_from_this()](boost::system::error_code ec,
                                  tcp::resolver::results_type results) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail(errc::not_connected,
                            "cannot resolve the host: " + ec.message());
        asio::async_connect(
            self->socket_, results,
            [self](boost::system::error_code ec, const tcp::endpoint&) {
              if (self->closed_)
                return;
              if (ec)
                return self->fail(errc::not_connected,
                                  "cannot connect: " + ec.message());
              boost::system::error_code ignored;
              // Each command is small and waits for its answer: Nagle's
              // delay would be pure latency.
              self->socket_.set_option(tcp::no_delay{true}, ignored);
              self->socket_.set_option(asio::socket_base::keep_alive{true},
                                       ignored);
              self->connected_ = true;
              self->last_read_ = clock::now();
              self->read();
              self->handlers_.connected();
              if (!self->closed_)
                self->flush();
            });
      });
}

void link::write(std::string_view bytes) {
  if (closed_)
    return;
  pending_.append(bytes);
  flush();
}

void link::flush() {
  if (!connected_ || closed_ || !writing_.empty() || pending_.empty())
    return;
  writing_.swap(pending_);
  asio::async_write(
      socket_, asio::buffer(writing_),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
        if (self->closed_)
          return;
        if (ec)
          return self->fail(errc::connection_lost,
                            "cannot write: " + ec.message());
        self->writing_.clear();
        self->flush();
      });
}

void link::read() {
  socket_.async_read_some(
      asio::buffer(buffer_),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (self->closed_)
          return;
        if (ec == asio::error::eof)
          return self->fail(errc::connection_lost,
                            "Redis closed the connection");
        if (ec)
          return self->fail(errc::connection_lost,
                            "cannot read: " + ec.message());
        self->last_read_ = clock::now();
        self->reader_.feed(self->buffer_.data(), n);
        while (auto r = self->reader_.next()) {
          self->handlers_.received(std::move(*r));
          if (self->closed_)
            return;
        }
        if (self->reader_.failed())
          return self->fail(errc::protocol_error,
                            "Redis sent what is not RESP: " +
                                self->reader_.error());
        self->read();
      });
}

void link::fail(std::error_code ec, std::string detail) {
  close();
  handlers_.failed(ec, std::move(detail));
}

void link::close() {
  if (closed_)
    return;
  closed_ = true;
  resolver_.cancel();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

} // namespace jobcast::redis
