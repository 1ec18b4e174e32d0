#pragma once

// The per-client limits of one server (`--limits.starts-per-minute`,
// `--limits.connections-per-ip`), shared by its HTTP threads: the two plain
// policies (start_limiter, connection_limiter) behind one lock, and the
// slot a counted connection holds. Both limits are off by default and then
// cost nothing: no lock, no table, no peer lookup.
//
// Who a client is: a direct peer is counted by its address at accept.
// A peer in `--http.trusted-proxies` speaks for many clients, so its own
// connections count only against `--limits.max-connections`; each stream
// (text, SSE, WebSocket) it opens counts against the client its
// X-Forwarded-For names, for as long as the stream is open, and each start
// it sends against that client's start budget (http/client_address.hpp).

#include "http/client_address.hpp"
#include "http/connection_limiter.hpp"
#include "http/start_limiter.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace jobcast {

/// Which per-client limit refused something (words in http/errors.cpp).
enum class client_limit : std::uint8_t {
  /// `--limits.starts-per-minute`.
  starts,
  /// `--limits.connections-per-ip`.
  connections,
};

/// The counts behind one client_limits (in client_limits.cpp).
struct client_counts;

/// One connection (or stream through a proxy) counted against its client
/// until it is destroyed. Empty when nothing is counted. Move-only.
class client_slot {
public:
  client_slot() = default;
  client_slot(client_slot&& other) noexcept
      : owner_(other.owner_)
      , key_(other.key_) {
    other.owner_ = nullptr;
  }
  client_slot& operator=(client_slot&& other) noexcept;
  ~client_slot();

  bool counted() const { return owner_ != nullptr; }

private:
  friend class client_limits;
  client_slot(client_counts* owner, client_key key)
      : owner_(owner)
      , key_(key) {}

  client_counts* owner_ = nullptr;
  client_key key_;
};

class client_limits {
public:
  /// Clients whose starts are remembered at most (see
  /// start_limiter::check): 96 bytes each, 6 MiB in all (measured).
  static constexpr std::size_t max_start_clients = 65'536;

  /// Both limits off.
  client_limits();
  /// 0 turns a limit off.
  client_limits(std::size_t starts_per_minute, std::size_t connections_per_ip,
                trusted_proxies proxies,
                std::size_t max_clients = max_start_clients);
  client_limits(client_limits&&) noexcept;
  client_limits& operator=(client_limits&&) noexcept;
  ~client_limits();

  bool limits_starts() const { return starts_per_minute_ > 0; }
  bool limits_connections() const { return connections_per_ip_ > 0; }
  const trusted_proxies& proxies() const { return proxies_; }

  /// A connection accepted from `peer`: its slot (empty if not counted: the
  /// limit is off, or `peer` is a trusted proxy), or nullopt if its client
  /// has all the connections it may have.
  std::optional<client_slot> connect(const ip_address& peer);

  /// A stream opened through a trusted proxy for `client`: its slot, or
  /// nullopt if `client` has all the connections it may have.
  std::optional<client_slot> stream(const ip_address& client);

  /// 0 if `client` may start a job now (counted if `take`), else the whole
  /// seconds until it may, at least 1 (for Retry-After).
  unsigned start(const ip_address& client, bool take);

  /// Clients with a counted connection; clients whose starts are
  /// remembered.
  std::size_t connected_clients() const;
  std::size_t starting_clients() const;

private:
  std::optional<client_slot> count(const ip_address& client);

  std::size_t starts_per_minute_ = 0;
  std::size_t connections_per_ip_ = 0;
  trusted_proxies proxies_;
  /// Only when a limit is on. Slots point here, so the limits may move.
  std::unique_ptr<client_counts> counts_;
};

} // namespace jobcast
