#include "actors/utf8.hpp"

namespace jobcast {

namespace {

/// Length of the valid UTF-8 sequence at `in[i]`, or 0 if invalid.
std::size_t utf8_sequence(std::string_view in, std::size_t i) {
  auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(in[i + k]);
  };
  auto cont = [&](std::size_t k) {
    return i + k < in.size() && (byte(k) & 0xC0) == 0x80;
  };
  auto c = byte(0);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2))
      return 0;
    if (c == 0xE0 && byte(1) < 0xA0)
      return 0; // Overlong.
    if (c == 0xED && byte(1) >= 0xA0)
      return 0; // Surrogates.
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3))
      return 0;
    if (c == 0xF0 && byte(1) < 0x90)
      return 0;
    if (c == 0xF4 && byte(1) >= 0x90)
      return 0; // Past U+10FFFF.
    return 4;
  }
  return 0;
}

} // namespace

bool is_valid_utf8(std::string_view in) {
  for (std::size_t i = 0; i < in.size();) {
    auto n = utf8_sequence(in, i);
    if (n == 0)
      return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    auto n = utf8_sequence(in, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(in.data() + i, n);
      i += n;
    }
  }
  return out;
}

} // namespace jobcast
