#pragma once

// A Lua script that Redis runs atomically, called by its SHA-1 (EVALSHA) so
// that its source crosses the network only when Redis does not have it.

#include <string>

namespace jobcast::redis {

class script {
public:
  explicit script(std::string source);

  const std::string& source() const { return source_; }
  /// The SHA-1 of the source in lowercase hex, as Redis names scripts.
  const std::string& sha1() const { return sha1_; }

private:
  std::string source_;
  std::string sha1_;
};

} // namespace jobcast::redis
