#include "http/origin_policy.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cctype>

namespace jobcast {

namespace {

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

/// Splits `host[:port]` (IPv6 in brackets); the port is empty if there is
/// none.
std::pair<std::string, std::string> split_host(std::string_view host) {
  auto colon = host.rfind(':');
  // `[::1]` has colons, but none after its bracket.
  auto bracket = host.rfind(']');
  if (colon == std::string_view::npos ||
      (bracket != std::string_view::npos && colon < bracket))
    return {lower(host), {}};
  return {lower(host.substr(0, colon)), std::string{host.substr(colon + 1)}};
}

bool is_loopback(std::string_view address) {
  if (lower(address) == "localhost")
    return true;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string{address}, ec);
  return !ec && addr.is_loopback();
}

} // namespace

host_policy host_policy::for_server(const std::vector<std::string>& allowed,
                                    std::string_view address,
                                    std::uint16_t port) {
  host_policy result;
  if (allowed.empty()) {
    if (!is_loopback(address))
      return result; // Any host: the operator is told to set the list.
    result.any_ = false;
    // The address bound to as well (127.0.0.2, say), as a Host names it.
    std::vector<std::string> names{"localhost", "127.0.0.1", "[::1]"};
    boost::system::error_code ec;
    auto addr = boost::asio::ip::make_address(std::string{address}, ec);
    if (!ec)
      names.push_back(addr.is_v6() ? "[" + addr.to_string() + "]"
                                   : addr.to_string());
    // "-": the name alone, without a port.
    for (auto& name : names) {
      result.entries_.push_back({name, "-"});
      result.entries_.push_back({name, std::to_string(port)});
    }
    return result;
  }
  result.any_ = false;
  for (auto& item : allowed) {
    if (item == "*") {
      result.any_ = true;
      result.entries_.clear();
      return result;
    }
    auto [name, p] = split_host(item);
    result.entries_.push_back({std::move(name), std::move(p)});
  }
  return result;
}

host_check host_policy::check(std::string_view host, unsigned version) const {
  if (any_)
    return host_check::allowed;
  if (host.empty())
    return version >= 11 ? host_check::missing : host_check::allowed;
  auto [name, port] = split_host(host);
  if ((!port.empty() && !all_digits(port)) || host.back() == ':')
    return host_check::foreign;
  for (auto& e : entries_) {
    if (e.name != name)
      continue;
    // "-": the name alone, without a port.
    if (e.port.empty() || e.port == (port.empty() ? "-" : port))
      return host_check::allowed;
  }
  return host_check::foreign;
}

origin_policy::origin_policy(const std::vector<std::string>& cors_origins) {
  for (auto& item : cors_origins) {
    if (item == "*")
      any_reader_ = true;
    else if (auto norm = normalize(item); !norm.empty())
      allowed_.push_back(std::move(norm));
  }
}

std::string origin_policy::cors_allow(std::string_view origin,
                                      bool writes) const {
  if (origin.empty() || origin == "null")
    return {};
  auto norm = normalize(origin);
  if (norm.empty())
    return {};
  if (std::find(allowed_.begin(), allowed_.end(), norm) != allowed_.end())
    return norm;
  return any_reader_ && !writes ? "*" : std::string{};
}

std::string origin_policy::normalize(std::string_view origin) {
  auto sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return {};
  auto scheme = lower(origin.substr(0, sep));
  if (!std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' ||
               c == '-' || c == '.';
      }))
    return {};
  auto authority = origin.substr(sep + 3);
  if (!authority.empty() && authority.back() == '/')
    authority.remove_suffix(1);
  if (authority.empty() || authority.back() == ':' ||
      authority.find_first_of("/?#@ \t") != std::string_view::npos)
    return {};
  auto [name, port] = split_host(authority);
  if (name.empty())
    return {};
  if (!port.empty() && !all_digits(port))
    return {};
  if ((scheme == "http" && port == "80") ||
      (scheme == "https" && port == "443"))
    port.clear();
  return scheme + "://" + name + (port.empty() ? "" : ":" + port);
}

origin_check origin_policy::check(std::string_view host,
                                  std::string_view origin,
                                  std::string_view fetch_site) const {
  if (origin.empty()) {
    if (fetch_site.empty() || fetch_site == "same-origin" ||
        fetch_site == "none")
      return origin_check::allowed;
    return origin_check::cross_site_fetch;
  }
  if (origin == "null")
    return origin_check::null_origin;
  auto norm = normalize(origin);
  if (norm.empty())
    return origin_check::foreign_origin;
  // The page's scheme may be https: behind a proxy that terminates TLS the
  // browser sees https, jobcast plain HTTP, and the Host is the same.
  if (!host.empty() && (norm == normalize("http://" + std::string{host}) ||
                        norm == normalize("https://" + std::string{host})))
    return origin_check::allowed;
  if (std::find(allowed_.begin(), allowed_.end(), norm) != allowed_.end())
    return origin_check::allowed;
  return origin_check::foreign_origin;
}

} // namespace jobcast
