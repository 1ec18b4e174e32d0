#pragma once

// Helpers shared by the fuzz targets: an invariant check that traps, and
// reference implementations written independently of the code under test.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

/// Aborts (and so makes libFuzzer save the input) when `cond` is false.
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__,        \
                   __LINE__, #cond);                                           \
      __builtin_trap();                                                        \
    }                                                                          \
  } while (false)

namespace jobcast::fuzz {

/// Well-formed UTF-8 per the Unicode standard, table 3-7: no overlongs, no
/// surrogates, nothing past U+10FFFF. Decodes code points rather than
/// matching byte ranges, unlike actors/process.cpp.
inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > s.size())
      return false;
    for (std::size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr std::uint32_t min_for_length[] = {0, 0, 0x80, 0x800,
                                                       0x10000};
    if (cp < min_for_length[n] || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

/// A decimal that fits 64 bits: one or more ASCII digits and nothing else
/// (leading zeros allowed).
inline std::optional<std::uint64_t> decimal_u64(std::string_view s) {
  if (s.empty())
    return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > UINT64_MAX)
      return std::nullopt;
  }
  return static_cast<std::uint64_t>(v);
}

/// `s` without leading and trailing spaces and tabs.
inline std::string_view trim_sp_tab(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// Percent-encodes every byte, so that any key or value survives a query
/// string unchanged.
inline std::string percent_encode_all(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 0xF];
  }
  return out;
}

} // namespace jobcast::fuzz
