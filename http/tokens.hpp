#pragma once

// Secrets: publish tokens for external jobs and the optional start token.

#include <string>
#include <string_view>

namespace jobcast {

/// 128 random bits, base64url without padding (22 characters).
std::string new_token();

/// SHA-256 of `token`, hex: what a job keeps instead of the token.
std::string token_hash(std::string_view token);

/// Compares in time that depends only on the lengths.
bool tokens_equal(std::string_view x, std::string_view y);

} // namespace jobcast
