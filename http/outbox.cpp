#include "http/outbox.hpp"

#include "actors/metrics.hpp"

namespace jobcast {

namespace {

/// Gather writes take at most this many pieces at once.
constexpr std::size_t max_gather = 64;

} // namespace

outbox::~outbox() {
  add(-static_cast<std::int64_t>(bytes_));
}

void outbox::push(std::shared_ptr<const void> owner,
                  boost::asio::const_buffer bytes) {
  if (bytes.size() == 0)
    return;
  add(static_cast<std::int64_t>(bytes.size()));
  queue_.push_back({std::move(owner), bytes});
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
      gather_.push_back(queue_[i].bytes);
      total += queue_[i].bytes.size();
    }
    boost::system::error_code ec;
    auto written = socket_.write_some(gather_, ec);
    if (ec == boost::asio::error::would_block ||
        ec == boost::asio::error::try_again)
      return {};
    if (ec)
      return ec;
    consume(written);
    if (written < total)
      return {}; // The socket is full.
  }
  return {};
}

void outbox::consume(std::size_t n) {
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
  global_metrics().queued_bytes += delta;
}

} // namespace jobcast
