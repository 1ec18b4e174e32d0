#pragma once

// Signed access tokens (JWT, issue 16): who may view, start and cancel
// which jobs. `access_verifier` checks a token's signature, algorithm and
// times with libjwt and turns its claims into an `access_grant`; what a
// route then needs of the grant is decided in http/authorize.cpp. This
// header includes neither libjwt nor OpenSSL: access_token.cpp alone does.

#include "actors/job_info.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace jobcast {

/// What one claim grants: everything (`"*"`), or the listed items.
template <class T> struct grant_set {
  bool all = false;
  std::vector<T> items;

  bool contains(const T& x) const {
    return all || std::find(items.begin(), items.end(), x) != items.end();
  }
  bool empty() const { return !all && items.empty(); }
};

/// The claims of a valid token.
struct access_grant {
  /// `jobcast.view`: the jobs whose pages, streams and JSON may be read.
  grant_set<job_id> view;
  /// `jobcast.start`: the kinds that may be started.
  grant_set<std::string> start;
  /// `jobcast.cancel`: the jobs that may be cancelled (`true` is `"*"`).
  grant_set<job_id> cancel;
  /// `exp`: streams opened with the token end then.
  std::chrono::system_clock::time_point expires;
};

/// When a stream opened with an access token must end; nullopt: never.
using stream_expiry = std::optional<std::chrono::system_clock::time_point>;

/// Why a token is not accepted: every one is a 401 (RFC 6750
/// `invalid_token`), `detail` the one line a client is told.
struct token_refusal {
  std::string detail;
};

class access_verifier {
public:
  /// From `--auth.jwt-key`: a value starting with `/` or `.` is the path of
  /// a PEM public key (RSA: RS256 only; EC P-256: ES256 only), anything
  /// else the HMAC secret itself (HS256, HS384, HS512; at least 32 bytes, as
  /// RFC 7518 asks of HS256). Nullopt with `error` set if the key is
  /// unusable: a missing or unreadable file, not a public key, a short
  /// secret.
  static std::optional<access_verifier> from_key(std::string_view key,
                                                 std::string& error);

  /// Checks `token` at `now`: the signature with the configured key, an
  /// algorithm of the key's family (never `none`, never HMAC with a public
  /// key), `exp` present and after `now`, `nbf` if present not after `now`,
  /// and well-formed `jobcast.*` claims.
  std::variant<access_grant, token_refusal>
  verify(std::string_view token,
         std::chrono::system_clock::time_point now) const;

  /// The algorithms accepted, for logs: `HS256, HS384, HS512` and so on.
  std::string_view algorithms() const;

private:
  enum class family { hmac, rsa, ec };

  access_verifier(family f, std::string key)
      : family_(f)
      , key_(std::move(key)) {}

  family family_;
  /// The secret, or the PEM text of the public key.
  std::string key_;
};

} // namespace jobcast
