#pragma once

// The one comparison of secrets (publish token hashes, start token hashes):
// its time depends only on the lengths, never on where the bytes differ.

#include <cstddef>
#include <string_view>

namespace jobcast {

inline bool constant_time_equal(std::string_view x, std::string_view y) {
  if (x.size() != y.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    diff |= static_cast<unsigned char>(x[i] ^ y[i]);
  return diff == 0;
}

} // namespace jobcast
