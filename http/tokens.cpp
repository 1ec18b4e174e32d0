#include "http/tokens.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdexcept>

namespace jobcast {

std::string new_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    throw std::runtime_error("no randomness for a token");
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int nbits = 0;
  for (auto b : bytes) {
    bits = (bits << 8) | b;
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out += alphabet[(bits >> nbits) & 0x3F];
    }
  }
  if (nbits > 0)
    out += alphabet[(bits << (6 - nbits)) & 0x3F];
  return out;
}

std::string token_hash(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : digest) {
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

} // namespace jobcast
