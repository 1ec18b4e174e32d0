#include "http/connection_limiter.hpp"

namespace jobcast {

bool connection_limiter::add(const client_key& client) {
  auto& count = open_[client];
  if (count >= per_client_) {
    if (count == 0)
      open_.erase(client); // per_client_ 0: nothing may be held.
    return false;
  }
  ++count;
  return true;
}

void connection_limiter::remove(const client_key& client) {
  auto found = open_.find(client);
  if (found == open_.end())
    return;
  if (--found->second == 0)
    open_.erase(found);
}

std::size_t connection_limiter::open(const client_key& client) const {
  auto found = open_.find(client);
  return found == open_.end() ? 0 : found->second;
}

} // namespace jobcast
