#pragma once

// Who the client of a request is, for the per-client limits
// (http/client_limits.hpp): the socket's peer, or, when the peer is one of
// `--http.trusted-proxies`, the first untrusted hop of X-Forwarded-For.
// Plain address work without sockets, so that it is cheap to test.

#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobcast {

using ip_address = boost::asio::ip::address;

/// `address`, with an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a
/// dual-stack socket reports for an IPv4 peer) turned into plain IPv4: one
/// client, one form.
ip_address unmapped(const ip_address& address);

/// The proxies whose X-Forwarded-For is believed: addresses and CIDR
/// ranges, IPv4 and IPv6. Empty: none (the header is ignored).
class trusted_proxies {
public:
  trusted_proxies() = default;

  /// Parses `entries` (`127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`). On a
  /// bad entry, nullopt and `error` says which.
  static std::optional<trusted_proxies>
  parse(const std::vector<std::string>& entries, std::string& error);

  bool contains(const ip_address& address) const;
  bool empty() const { return ranges_.empty(); }

private:
  struct range {
    std::array<unsigned char, 16> bytes; ///< IPv6; IPv4 as IPv4-mapped.
    unsigned prefix;                     ///< Leading bits that must match.
  };
  std::vector<range> ranges_;
};

/// One element of X-Forwarded-For: an address, IPv6 possibly in brackets,
/// either possibly with a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`, as
/// some proxies write them), spaces and tabs around. Nullopt for anything
/// else (`unknown`, obfuscated names, garbage).
std::optional<ip_address> parse_hop(std::string_view text);

/// The client of a request from `peer` that carried `forwarded_for` (the
/// values of its X-Forwarded-For headers, in the order received; several
/// headers are one list). Unless `peer` is in `proxies`, `peer` itself.
/// Otherwise the hops from the right, each appended by a proxy, are walked
/// past those in `proxies`: the first that is not is the client (the
/// leftmost if all are). Hops left of it were written by the client and are
/// never looked at. A malformed hop met on the way, or no hop at all, gives
/// `peer`. Empty list elements (`a,,b`) are skipped, as RFC 9110 5.6.1 asks.
ip_address client_address(const ip_address& peer,
                          const std::vector<std::string_view>& forwarded_for,
                          const trusted_proxies& proxies);

/// What the limits count a client by: its IPv4 address, or the /64 of its
/// IPv6 address. A /64 is one subscriber's network, and whoever holds one
/// could otherwise take a fresh address for every request.
struct client_key {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  bool operator==(const client_key& other) const {
    return high == other.high && low == other.low;
  }
};

client_key key_of(const ip_address& address);

struct client_key_hash {
  std::size_t operator()(const client_key& key) const {
    // The low word of an IPv6 key is 0 and the high word of an IPv4 one:
    // mixing both keeps either kind spread.
    return std::hash<std::uint64_t>{}(key.high * 0x9e3779b97f4a7c15ull ^
                                      key.low);
  }
};

} // namespace jobcast
