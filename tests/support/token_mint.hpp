#pragma once

// Access tokens for tests, minted with libjwt itself (the library the
// server verifies with), and key pairs made with OpenSSL at test time, so
// no key is checked in.

#include <string>
#include <string_view>

namespace jobcast::test {

struct key_pair {
  std::string private_pem;
  std::string public_pem;
};

/// A fresh RSA 2048 key pair.
key_pair make_rsa_key();

/// A fresh EC P-256 key pair.
key_pair make_ec_key();

/// A token signed with `alg` (`HS256`, `RS256`, `ES256`, ... or `none`)
/// and `key` (the secret, or a private key's PEM), its claims the JSON
/// object `claims`.
std::string mint(std::string_view alg, std::string_view key,
                 const std::string& claims);

/// Seconds since the epoch, `offset` seconds from now: for `exp`.
long long epoch_in(long long offset);

/// Writes `text` to a fresh file under the temporary directory; its path.
std::string write_temp_file(std::string_view name, std::string_view text);

} // namespace jobcast::test
