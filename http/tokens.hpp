#pragma once

// Secrets: publish tokens for external jobs and the optional start token.
// They are compared with constant_time_equal (actors/constant_time.hpp).

#include <string>
#include <string_view>

namespace jobcast {

/// 128 random bits, base64url without padding (22 characters).
std::string new_token();

/// SHA-256 of `token`, hex: what a job keeps instead of the token.
std::string token_hash(std::string_view token);

} // namespace jobcast
