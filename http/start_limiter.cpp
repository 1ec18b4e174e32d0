#include "http/start_limiter.hpp"

#include <algorithm>

namespace jobcast {

start_limiter::start_limiter(std::size_t per_minute, std::size_t max_clients)
    : interval_(
          std::chrono::duration_cast<clock::duration>(std::chrono::minutes{1}) /
          static_cast<clock::rep>(std::max<std::size_t>(per_minute, 1)))
    , burst_(interval_ *
             static_cast<clock::rep>(std::max<std::size_t>(per_minute, 1)))
    , max_clients_(std::max<std::size_t>(max_clients, 1)) {}

start_limiter::clock::duration start_limiter::check(const client_key& client,
                                                    clock::time_point now,
                                                    bool take) {
  forget_full(now);
  auto found = index_.find(client);
  auto full_at = found == index_.end() ? now : found->second->full_at;
  // The bucket after this start; more than a whole bucket ahead of now
  // means there is no start left in it.
  auto after = std::max(full_at, now) + interval_;
  if (after - now > burst_) {
    if (found != index_.end())
      recent_.splice(recent_.begin(), recent_, found->second);
    return after - now - burst_;
  }
  if (!take)
    return clock::duration::zero();
  if (found != index_.end()) {
    found->second->full_at = after;
    recent_.splice(recent_.begin(), recent_, found->second);
    return clock::duration::zero();
  }
  if (index_.size() >= max_clients_) {
    index_.erase(recent_.back().key);
    recent_.pop_back();
  }
  recent_.push_front({client, after});
  index_.emplace(client, recent_.begin());
  return clock::duration::zero();
}

void start_limiter::forget_full(clock::time_point now) {
  // Each client is forgotten once, so this costs O(1) per check over time.
  while (!recent_.empty() && recent_.back().full_at <= now) {
    index_.erase(recent_.back().key);
    recent_.pop_back();
  }
}

} // namespace jobcast
