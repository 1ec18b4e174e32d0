#pragma once

// How many connections one client holds open (`--limits.connections-per-ip`).
// Only clients with a connection open have an entry, so the table is as
// bounded as the connections are (`--limits.max-connections`). Plain and
// single-threaded; the caller locks (http/client_limits.hpp).

#include "http/client_address.hpp"

#include <cstddef>
#include <unordered_map>

namespace jobcast {

class connection_limiter {
public:
  /// `per_client` > 0.
  explicit connection_limiter(std::size_t per_client)
      : per_client_(per_client) {}

  /// Counts one more connection of `client`; false, and nothing counted, if
  /// it has `per_client` open already.
  bool add(const client_key& client);

  /// One connection of `client` closed.
  void remove(const client_key& client);

  /// Connections `client` has open.
  std::size_t open(const client_key& client) const;

  /// Clients with a connection open.
  std::size_t clients() const { return open_.size(); }

private:
  std::size_t per_client_;
  std::unordered_map<client_key, std::size_t, client_key_hash> open_;
};

} // namespace jobcast
