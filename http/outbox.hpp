#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace jobcast {

/// What a streaming connection has yet to send, and how it goes out.
///
/// Pieces are immutable bytes with an owner that keeps them alive (one
/// event's encoding is shared by every connection: nothing is copied). They
/// leave in non-blocking gather writes made at once; only a full socket
/// makes the connection wait, and whatever queues up meanwhile leaves in
/// the next gather write. Counts its bytes in the process-wide gauge.
class outbox {
public:
  /// The socket must outlive the outbox's use, and be in non-blocking mode.
  explicit outbox(boost::asio::ip::tcp::socket& socket)
      : socket_(socket) {}
  ~outbox();

  outbox(const outbox&) = delete;
  outbox& operator=(const outbox&) = delete;

  void push(std::shared_ptr<const void> owner, boost::asio::const_buffer bytes);
  /// Copies `bytes` into a piece of their own (headers, notices).
  void push(std::string bytes);

  std::size_t bytes() const { return bytes_; }
  bool empty() const { return queue_.empty(); }
  /// Waiting for the socket to take more.
  bool waiting() const { return waiting_; }

  /// Writes what the socket takes now. If it is full, waits for it and then
  /// calls `resume(ec)`, from where the owner calls `send` again. Returns a
  /// write error (the queue is then as it was).
  template <class Resume> boost::system::error_code send(Resume&& resume) {
    if (waiting_)
      return {};
    auto ec = write_now();
    if (!ec && !queue_.empty()) {
      waiting_ = true;
      socket_.async_wait(boost::asio::socket_base::wait_write,
                         [this, resume = std::forward<Resume>(resume)](
                             boost::system::error_code wait_ec) mutable {
                           waiting_ = false;
                           resume(wait_ec);
                         });
    }
    return ec;
  }

private:
  struct piece {
    std::shared_ptr<const void> owner;
    boost::asio::const_buffer bytes;
  };

  /// Writes until the queue is empty or the socket is full.
  boost::system::error_code write_now();
  /// Drops `n` written bytes from the front.
  void consume(std::size_t n);
  void add(std::int64_t delta);

  boost::asio::ip::tcp::socket& socket_;
  std::deque<piece> queue_;
  std::size_t bytes_ = 0;
  std::vector<boost::asio::const_buffer> gather_;
  bool waiting_ = false;
};

} // namespace jobcast
