#include "http/outbox.hpp"

#include "http/http_metrics.hpp"

#include <algorithm>
#include <cerrno>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string_view>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace jobcast {

namespace {

/// Gather writes take at most this many pieces at once (a chunk is three).
/// Asio's own gather writes stop at 64 buffers, which would make a full
/// queue of chunks look like a full socket: the writes are ours (sendmsg).
constexpr std::size_t max_gather = 192;

constexpr std::string_view crlf = "\r\n";

} // namespace

outbox::outbox(boost::asio::ip::tcp::socket& socket,
               std::chrono::nanoseconds write_timeout)
    : socket_(socket)
    , write_timeout_(write_timeout)
    , stall_timer_(socket.get_executor()) {
  if (write_timeout_.count() <= 0)
    return;
  // Unacknowledged data (a peer that vanished without a FIN: a closed lid,
  // a phone off the network) ends the connection in the kernel even when
  // nothing waits here. Twice the time, so that a stall the outbox sees is
  // its own to report: the kernel's clock starts earlier (when the peer's
  // window closes), and what it ends shows only as a broken pipe.
  auto ms = static_cast<unsigned>(std::max<std::int64_t>(
      1,
      2 * std::chrono::duration_cast<std::chrono::milliseconds>(write_timeout_)
              .count()));
  setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms,
             sizeof(ms));
}

std::uint64_t outbox::acked() const {
  int unacked = 0;
  if (ioctl(socket_.native_handle(), SIOCOUTQ, &unacked) != 0 || unacked < 0)
    return written_;
  return written_ - std::min<std::uint64_t>(written_, unacked);
}

void outbox::arm_stall_timer() {
  // Runs while bytes wait, whether or not the socket takes them: a socket
  // that takes bytes into the kernel's growing buffers is not a peer that
  // reads, so progress is what the peer acknowledges.
  if (write_timeout_.count() <= 0 || stall_armed_)
    return;
  stall_armed_ = true;
  acked_at_arm_ = acked();
  stall_timer_.expires_after(write_timeout_);
  // A cancelled wait may run after the outbox is gone (a cancel cannot
  // stop a handler already queued): it touches nothing before it checked.
  stall_timer_.async_wait([this, alive = std::weak_ptr<const bool>{alive_}](
                              boost::system::error_code ec) {
    if (ec || alive.expired())
      return;
    stall_armed_ = false;
    on_stall_check();
  });
}

void outbox::on_stall_check() {
  if (queue_.empty())
    return;
  if (acked() != acked_at_arm_)
    return arm_stall_timer(); // The peer reads, however slowly.
  http_counters().write_timeouts++;
  timed_out_ = true;
  // Fails the pending wait, if any; the next send fails either way.
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void outbox::note_error(const boost::system::error_code& ec) {
  if (!ec || ec == boost::asio::error::operation_aborted || timed_out_)
    return;
  // The kernel's user timeout (set in the constructor) may end a stalled
  // connection before the stall timer does, and the socket then reports
  // whatever error comes next (a timeout, a broken pipe): what counts is
  // that the client took nothing for the write timeout.
  auto stalled = write_timeout_.count() > 0 && !queue_.empty() &&
                 clock::now() - since_ >= write_timeout_;
  if (stalled || ec == boost::asio::error::timed_out)
    http_counters().write_timeouts++;
}

outbox::~outbox() {
  add(-static_cast<std::int64_t>(bytes_));
}

void outbox::push(std::shared_ptr<const void> owner,
                  boost::asio::const_buffer bytes) {
  if (bytes.size() == 0)
    return;
  if (queue_.empty())
    since_ = clock::now();
  add(static_cast<std::int64_t>(bytes.size()));
  queue_.push_back({std::move(owner), bytes, {}});
}

void outbox::push_chunk(std::shared_ptr<const void> owner,
                        boost::asio::const_buffer bytes) {
  auto size = bytes.size();
  if (size == 0)
    return; // An empty chunk would end the body.
  if (queue_.empty())
    since_ = clock::now();
  // This runs once per event and viewer: the size line is written by hand
  // (no snprintf), and the three pieces count in one update of the gauge.
  static constexpr char hex[] = "0123456789abcdef";
  auto& line = queue_.emplace_back();
  auto* end = line.inline_bytes + sizeof(line.inline_bytes);
  auto* p = end;
  *--p = '\n';
  *--p = '\r';
  do {
    *--p = hex[size & 0xF];
    size >>= 4;
  } while (size > 0);
  line.bytes = boost::asio::buffer(p, static_cast<std::size_t>(end - p));
  queue_.push_back({std::move(owner), bytes, {}});
  queue_.push_back(
      {nullptr, boost::asio::buffer(crlf.data(), crlf.size()), {}});
  add(static_cast<std::int64_t>(line.bytes.size() + bytes.size() +
                                crlf.size()));
}

void outbox::push(std::string bytes) {
  if (bytes.empty())
    return;
  auto owner = std::make_shared<const std::string>(std::move(bytes));
  auto buf = boost::asio::buffer(*owner);
  push(std::move(owner), buf);
}

boost::system::error_code outbox::write_now() {
  while (!queue_.empty()) {
    gather_.clear();
    std::size_t total = 0;
    auto n = std::min(queue_.size(), max_gather);
    for (std::size_t i = 0; i < n; ++i) {
      auto& bytes = queue_[i].bytes;
      gather_.push_back({const_cast<void*>(bytes.data()), bytes.size()});
      total += bytes.size();
    }
    msghdr msg{};
    msg.msg_iov = gather_.data();
    msg.msg_iovlen = gather_.size();
    auto sent = ::sendmsg(socket_.native_handle(), &msg, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return {};
      boost::system::error_code ec{errno, boost::system::system_category()};
      note_error(ec);
      return ec;
    }
    auto written = static_cast<std::size_t>(sent);
    written_ += written;
    consume(written);
    if (written < total)
      return {}; // The socket is full.
  }
  return {};
}

void outbox::consume(std::size_t n) {
  if (n > 0)
    since_ = clock::now();
  add(-static_cast<std::int64_t>(n));
  while (n > 0) {
    auto& front = queue_.front();
    if (n < front.bytes.size()) {
      front.bytes += n;
      return;
    }
    n -= front.bytes.size();
    queue_.pop_front();
  }
}

void outbox::add(std::int64_t delta) {
  bytes_ = static_cast<std::size_t>(static_cast<std::int64_t>(bytes_) + delta);
  http_counters().queued_bytes += delta;
}

} // namespace jobcast
