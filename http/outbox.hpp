#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <sys/uio.h>
#include <vector>

namespace jobcast {

/// What a streaming connection has yet to send, and how it goes out.
///
/// Pieces are immutable bytes with an owner that keeps them alive (one
/// event's encoding is shared by every connection: nothing is copied). They
/// leave in non-blocking gather writes made at once; only a full socket
/// makes the connection wait, and whatever queues up meanwhile leaves in
/// the next gather write. Counts its bytes in the process-wide gauge.
///
/// A socket that takes nothing of what waits for `write_timeout` fails the
/// wait (`operation_aborted`): a client that stopped reading, or vanished,
/// is let go even when the job is quiet.
class outbox {
public:
  /// The socket must outlive the outbox's use, and be in non-blocking mode.
  /// A `write_timeout` of 0 waits forever.
  outbox(boost::asio::ip::tcp::socket& socket,
         std::chrono::nanoseconds write_timeout);
  ~outbox();

  outbox(const outbox&) = delete;
  outbox& operator=(const outbox&) = delete;

  void push(std::shared_ptr<const void> owner, boost::asio::const_buffer bytes);
  /// The same bytes as one chunk of HTTP/1.1's chunked coding: the size line
  /// and the CRLF are pieces of their own, so shared bytes stay shared.
  void push_chunk(std::shared_ptr<const void> owner,
                  boost::asio::const_buffer bytes);
  /// Copies `bytes` into a piece of their own (headers, notices).
  void push(std::string bytes);

  /// Counts an error seen on the socket (by a write, or by the read that
  /// watches the client) as a write timeout if the peer had taken nothing
  /// for that long.
  void note_error(const boost::system::error_code& ec);

  std::size_t bytes() const { return bytes_; }
  bool empty() const { return queue_.empty(); }
  /// Waiting for the socket to take more.
  bool waiting() const { return waiting_; }

  /// Writes what the socket takes now. If it is full, waits for it and then
  /// calls `resume(ec)`, from where the owner calls `send` again. Returns a
  /// write error (the queue is then as it was).
  template <class Resume> boost::system::error_code send(Resume&& resume) {
    if (timed_out_)
      return boost::asio::error::operation_aborted;
    if (waiting_)
      return {};
    auto ec = write_now();
    if (!ec && !queue_.empty()) {
      waiting_ = true;
      arm_stall_timer();
      socket_.async_wait(boost::asio::socket_base::wait_write,
                         [this, resume = std::forward<Resume>(resume)](
                             boost::system::error_code wait_ec) mutable {
                           waiting_ = false;
                           note_error(wait_ec);
                           resume(wait_ec);
                         });
    }
    return ec;
  }

private:
  struct piece {
    std::shared_ptr<const void> owner;
    boost::asio::const_buffer bytes;
    /// A chunk's size line lives here: framing allocates nothing. (A deque
    /// never moves its elements, so `bytes` may point into it.)
    char inline_bytes[20];
  };

  /// Writes until the queue is empty or the socket is full.
  boost::system::error_code write_now();
  /// Drops `n` written bytes from the front.
  void consume(std::size_t n);
  void add(std::int64_t delta);
  /// Watches a connection with bytes waiting: fails it if the peer
  /// acknowledges nothing for `write_timeout_`.
  void arm_stall_timer();
  void on_stall_check();
  /// Bytes the peer has acknowledged, as far as the kernel tells.
  std::uint64_t acked() const;

  boost::asio::ip::tcp::socket& socket_;
  std::chrono::nanoseconds write_timeout_;
  boost::asio::steady_timer stall_timer_;
  std::deque<piece> queue_;
  std::size_t bytes_ = 0;
  std::vector<iovec> gather_;
  bool waiting_ = false;
  bool stall_armed_ = false; ///< The stall timer runs.
  bool timed_out_ = false;   ///< The stall timer gave up on the peer.
  /// Bytes handed to the kernel in all.
  std::uint64_t written_ = 0;
  /// `acked()` when the stall timer was last armed.
  std::uint64_t acked_at_arm_ = 0;
  using clock = std::chrono::steady_clock;
  /// Tells a stall timer's late handler whether the outbox still exists.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
  /// When the socket last took bytes, or the queue last became non-empty.
  clock::time_point since_ = clock::now();
};

} // namespace jobcast
