#include "http/connection.hpp"

#include "http/http_metrics.hpp"

#include <vector>

namespace jobcast {

connection_tracker::token&
connection_tracker::token::operator=(token&& other) noexcept {
  if (owner_)
    owner_->remove(id_);
  owner_ = other.owner_;
  id_ = other.id_;
  other.owner_ = nullptr;
  return *this;
}

connection_tracker::token::~token() {
  if (owner_)
    owner_->remove(id_);
}

connection_tracker::token
connection_tracker::add(std::weak_ptr<connection> conn) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto id = next_id_++;
  conns_.emplace(id, conn);
  http_counters().connections++;
  auto stopping = stopping_;
  guard.unlock();
  if (stopping)
    if (auto ptr = conn.lock())
      ptr->shutdown();
  return token{this, id};
}

void connection_tracker::remove(std::uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (conns_.erase(id) > 0)
    http_counters().connections--;
  if (conns_.empty())
    empty_.notify_all();
}

std::size_t connection_tracker::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return conns_.size();
}

bool connection_tracker::stopping() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return stopping_;
}

void connection_tracker::shutdown_all() {
  std::vector<std::shared_ptr<connection>> live;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
    for (auto& kvp : conns_)
      if (auto ptr = kvp.second.lock())
        live.push_back(std::move(ptr));
  }
  // Outside the lock: shutdown() may drop the last reference to another
  // connection, whose token then takes the lock.
  for (auto& ptr : live)
    ptr->shutdown();
}

bool connection_tracker::wait_empty(
    std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> guard{mtx_};
  return empty_.wait_until(guard, deadline, [this] { return conns_.empty(); });
}

} // namespace jobcast
