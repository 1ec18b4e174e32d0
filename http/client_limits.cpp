#include "http/client_limits.hpp"

#include "http/http_metrics.hpp"

#include <algorithm>
#include <mutex>

namespace jobcast {

struct client_counts {
  std::mutex mtx;
  std::optional<connection_limiter> connections;
  std::optional<start_limiter> starts;

  void release(const client_key& key) {
    std::lock_guard<std::mutex> guard{mtx};
    connections->remove(key);
  }
};

client_slot& client_slot::operator=(client_slot&& other) noexcept {
  if (owner_)
    owner_->release(key_);
  owner_ = other.owner_;
  key_ = other.key_;
  other.owner_ = nullptr;
  return *this;
}

client_slot::~client_slot() {
  if (owner_)
    owner_->release(key_);
}

client_limits::client_limits(std::size_t starts_per_minute,
                             std::size_t connections_per_ip,
                             trusted_proxies proxies, std::size_t max_clients)
    : starts_per_minute_(starts_per_minute)
    , connections_per_ip_(connections_per_ip)
    , proxies_(std::move(proxies)) {
  if (!limits_starts() && !limits_connections())
    return;
  counts_ = std::make_unique<client_counts>();
  if (limits_connections())
    counts_->connections.emplace(connections_per_ip);
  if (limits_starts())
    counts_->starts.emplace(starts_per_minute, max_clients);
}

client_limits::client_limits() = default;
client_limits::client_limits(client_limits&&) noexcept = default;
client_limits& client_limits::operator=(client_limits&&) noexcept = default;
client_limits::~client_limits() = default;

std::optional<client_slot> client_limits::connect(const ip_address& peer) {
  if (!limits_connections() || proxies_.contains(peer))
    return client_slot{};
  return count(peer);
}

std::optional<client_slot> client_limits::stream(const ip_address& client) {
  if (!limits_connections())
    return client_slot{};
  return count(client);
}

std::optional<client_slot> client_limits::count(const ip_address& client) {
  auto key = key_of(client);
  {
    std::lock_guard<std::mutex> guard{counts_->mtx};
    if (counts_->connections->add(key))
      return client_slot{counts_.get(), key};
  }
  http_counters()
      .limited[static_cast<std::size_t>(client_limit::connections)]++;
  return std::nullopt;
}

unsigned client_limits::start(const ip_address& client, bool take) {
  if (!limits_starts())
    return 0;
  auto key = key_of(client);
  auto now = start_limiter::clock::now();
  start_limiter::clock::duration wait;
  {
    std::lock_guard<std::mutex> guard{counts_->mtx};
    wait = counts_->starts->check(key, now, take);
  }
  if (wait == start_limiter::clock::duration::zero())
    return 0;
  http_counters().limited[static_cast<std::size_t>(client_limit::starts)]++;
  // Rounded up: a client that waits as long as told gets its start.
  auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
  return static_cast<unsigned>(std::max<decltype(seconds)>(seconds, 1));
}

std::size_t client_limits::connected_clients() const {
  if (!limits_connections())
    return 0;
  std::lock_guard<std::mutex> guard{counts_->mtx};
  return counts_->connections->clients();
}

std::size_t client_limits::starting_clients() const {
  if (!limits_starts())
    return 0;
  std::lock_guard<std::mutex> guard{counts_->mtx};
  return counts_->starts->clients();
}

} // namespace jobcast
