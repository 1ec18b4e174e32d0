#pragma once

// Who may send requests from a browser: which `Host` names the server
// answers to (against DNS rebinding), and which pages may change state or
// open a WebSocket (against cross-site requests). Plain string work, no
// Beast, so that it is cheap to test; http/authorize.cpp applies them and
// http/errors.cpp words their refusals.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jobcast {

/// What the host check found.
enum class host_check : std::uint8_t {
  allowed,
  /// An HTTP/1.1 request without a `Host` (RFC 9112 3.2: 400).
  missing,
  /// A name the server is not known by: a rebinding page, say (421).
  foreign,
};

/// The `Host` values a server answers to (`--http.allowed-hosts`).
class host_policy {
public:
  /// Any host (what a default-constructed policy allows).
  host_policy() = default;

  /// `allowed` as given, or if it is empty the default for a server bound
  /// to `address` on `port`: loopback names and addresses (`localhost`,
  /// `127.0.0.1`, `[::1]` and `address` itself, with and without `:port`)
  /// for a loopback
  /// address, any host otherwise. An entry `*` allows any host; an entry
  /// without a port allows that name on any port, one with a port only
  /// that port. Names compare without regard to case.
  static host_policy for_server(const std::vector<std::string>& allowed,
                                std::string_view address, std::uint16_t port);

  /// Checks a request's `Host` (empty if absent) of HTTP `version` (10,
  /// 11). HTTP/1.0 requests may leave it out: no browser does.
  host_check check(std::string_view host, unsigned version) const;

  bool allows_any() const { return any_; }

private:
  struct entry {
    std::string name; // lower case, IPv6 in brackets
    std::string port; // empty: any port; "-": none
  };
  bool any_ = true;
  std::vector<entry> entries_;
};

/// What the origin check found.
enum class origin_check : std::uint8_t {
  allowed,
  /// `Origin` is another site, not in `--http.cors-origins`.
  foreign_origin,
  /// `Origin: null` (a sandboxed frame, a `data:` page, a redirect chain
  /// across sites): counts as cross-site.
  null_origin,
  /// No `Origin`, and `Sec-Fetch-Site` says `cross-site` or `same-site`
  /// (or anything but `same-origin` and `none`).
  cross_site_fetch,
};

/// Which pages may send state-changing requests and open WebSockets from a
/// browser: the server's own (same origin: scheme `http` and `Origin`'s
/// host and port equal to `Host`) and those of `--http.cors-origins`.
class origin_policy {
public:
  origin_policy() = default;
  /// `cors_origins`: origins such as `https://app.example.com`; `*` matches
  /// none here (it is for read-only CORS, never for writes).
  explicit origin_policy(const std::vector<std::string>& cors_origins);

  /// `host`, `origin`, `fetch_site`: the request's `Host`, `Origin` and
  /// `Sec-Fetch-Site` (empty if absent). A request with neither `Origin`
  /// nor `Sec-Fetch-Site` (curl, scripts) is allowed: it is not a browser
  /// acting for a page.
  origin_check check(std::string_view host, std::string_view origin,
                     std::string_view fetch_site) const;

  /// The `Access-Control-Allow-Origin` for a request of another origin
  /// (CORS): `origin` itself, normalized, if it is listed; `*` if the list
  /// has `*` and the route only reads (`writes` false); empty otherwise,
  /// and for a request without `Origin` or from `null`.
  std::string cors_allow(std::string_view origin, bool writes) const;

  /// `scheme://host[:port]` lower-cased, without a default port (80 for
  /// http, 443 for https) or a trailing `/`; empty if `origin` is not of
  /// that shape.
  static std::string normalize(std::string_view origin);

private:
  std::vector<std::string> allowed_; // normalized
  bool any_reader_ = false;          // `*` is listed
};

} // namespace jobcast
