#pragma once

// One reply from Redis as plain values (RESP2), so that callers never touch
// hiredis's `redisReply`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace jobcast::redis {

enum class reply_kind : std::uint8_t {
  nil,     // a null bulk string or null array
  integer, // `integer`
  string,  // a bulk string: `text`, binary-safe
  status,  // a simple string such as OK or PONG: `text`
  error,   // an error reply: `text`, starting with its code (ERR, NOSCRIPT)
  array,   // `elements`
};

struct reply {
  reply_kind kind = reply_kind::nil;
  std::int64_t integer = 0;
  std::string text;
  std::vector<reply> elements;

  bool is_nil() const { return kind == reply_kind::nil; }
  bool is_error() const { return kind == reply_kind::error; }
  /// A string or status reply equal to `s`.
  bool is(std::string_view s) const {
    return (kind == reply_kind::string || kind == reply_kind::status) &&
           text == s;
  }
  /// An error reply whose code (its first word) is `code`.
  bool is_error(std::string_view code) const;

  static reply make_integer(std::int64_t value);
  static reply make_string(std::string value);
  static reply make_status(std::string value);
  static reply make_error(std::string value);
  static reply make_array(std::vector<reply> elements);
};

/// For test messages and logs: `nil`, `(integer) 3`, `"text"` (escaped),
/// `+OK`, `-ERR ...`, `[a, b]`.
std::string to_string(const reply& r);

bool operator==(const reply& a, const reply& b);
inline bool operator!=(const reply& a, const reply& b) {
  return !(a == b);
}

} // namespace jobcast::redis
