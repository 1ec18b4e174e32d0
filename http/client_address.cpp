#include "http/client_address.hpp"

#include <algorithm>

namespace jobcast {

namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos)
    return {};
  auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.size() <= 5 &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

/// `text` as an address, nothing more and nothing less.
std::optional<ip_address> exact_address(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  boost::system::error_code ec;
  auto address = ip::make_address(std::string{text}, ec);
  if (ec)
    return std::nullopt;
  return unmapped(address);
}

/// IPv6 bytes of `address`; IPv4 as IPv4-mapped, so that one range check
/// serves both.
std::array<unsigned char, 16> bytes_of(const ip_address& address) {
  if (address.is_v4())
    return ip::make_address_v6(ip::v4_mapped, address.to_v4()).to_bytes();
  return address.to_v6().to_bytes();
}

bool prefix_matches(const std::array<unsigned char, 16>& a,
                    const std::array<unsigned char, 16>& b, unsigned prefix) {
  auto whole = prefix / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin()))
    return false;
  auto rest = prefix % 8;
  if (rest == 0)
    return true;
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

} // namespace

ip_address unmapped(const ip_address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

std::optional<trusted_proxies>
trusted_proxies::parse(const std::vector<std::string>& entries,
                       std::string& error) {
  trusted_proxies result;
  for (auto& entry : entries) {
    std::string_view text = trim(entry);
    auto slash = text.find('/');
    auto address = exact_address(text.substr(0, slash));
    if (!address) {
      error = "not an address or CIDR range: \"" + entry + "\"";
      return std::nullopt;
    }
    unsigned bits = address->is_v4() ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string_view::npos) {
      auto digits = text.substr(slash + 1);
      if (!all_digits(digits) || std::stoul(std::string{digits}) > bits) {
        error = "bad prefix length in \"" + entry + "\"";
        return std::nullopt;
      }
      prefix = static_cast<unsigned>(std::stoul(std::string{digits}));
    }
    // IPv4 ranges are kept as IPv4-mapped IPv6: the same check for both.
    result.ranges_.push_back(
        {bytes_of(*address), address->is_v4() ? prefix + 96 : prefix});
  }
  return result;
}

bool trusted_proxies::contains(const ip_address& address) const {
  auto bytes = bytes_of(unmapped(address));
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const range& r) {
    return prefix_matches(r.bytes, bytes, r.prefix);
  });
}

std::optional<ip_address> parse_hop(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    auto after = text.substr(close + 1);
    if (!after.empty() &&
        (after.front() != ':' || !all_digits(after.substr(1))))
      return std::nullopt;
    auto address = exact_address(text.substr(1, close - 1));
    if (!address || !address->is_v6())
      return std::nullopt;
    return address;
  }
  // One colon: IPv4 with a port. More: IPv6 without brackets, no port.
  auto colon = text.find(':');
  if (colon != std::string_view::npos && text.rfind(':') == colon) {
    if (!all_digits(text.substr(colon + 1)))
      return std::nullopt;
    auto address = exact_address(text.substr(0, colon));
    if (!address || !address->is_v4())
      return std::nullopt;
    return address;
  }
  return exact_address(text);
}

ip_address client_address(const ip_address& peer,
                          const std::vector<std::string_view>& forwarded_for,
                          const trusted_proxies& proxies) {
  if (!proxies.contains(peer))
    return peer;
  // The nearest proxy's hop is the rightmost of the last header.
  std::optional<ip_address> leftmost;
  for (auto value = forwarded_for.rbegin(); value != forwarded_for.rend();
       ++value) {
    auto rest = *value;
    while (!rest.empty()) {
      auto comma = rest.rfind(',');
      auto item =
          comma == std::string_view::npos ? rest : rest.substr(comma + 1);
      rest = comma == std::string_view::npos ? std::string_view{}
                                             : rest.substr(0, comma);
      if (trim(item).empty())
        continue;
      auto hop = parse_hop(item);
      if (!hop)
        return peer; // A proxy of ours wrote garbage: trust nothing in it.
      if (!proxies.contains(*hop))
        return *hop;
      leftmost = hop;
    }
  }
  return leftmost.value_or(peer);
}

client_key key_of(const ip_address& address) {
  auto plain = unmapped(address);
  auto bytes = bytes_of(plain);
  auto word = [&](std::size_t from) {
    std::uint64_t w = 0;
    for (std::size_t i = from; i < from + 8; ++i)
      w = (w << 8) | bytes[i];
    return w;
  };
  // An IPv6 client is its /64.
  return {word(0), plain.is_v4() ? word(8) : 0};
}

} // namespace jobcast
