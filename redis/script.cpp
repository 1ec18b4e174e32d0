#include "redis/script.hpp"

#include <openssl/evp.h>
#include <stdexcept>

namespace jobcast::redis {

namespace {

std::string sha1_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(),
                 nullptr) != 1)
    throw std::runtime_error("SHA-1 is not available");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

} // namespace

script::script(std::string source)
    : source_{std::move(source)}
    , sha1_{sha1_hex(source_)} {}

} // namespace jobcast::redis
