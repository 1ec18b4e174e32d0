#include "redis/errc.hpp"

#include <string>

namespace jobcast::redis {

namespace {

class redis_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "redis"; }

  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
    case errc::timeout:
      return "Redis did not answer in time";
    case errc::connection_lost:
      return "the connection to Redis was lost";
    case errc::not_connected:
      return "Redis is unreachable";
    case errc::closed:
      return "the Redis client was closed";
    case errc::protocol_error:
      return "Redis sent a malformed reply";
    case errc::empty_command:
      return "a Redis command needs at least its name";
    case errc::refused:
      return "Redis refused a subscription change";
    }
    return "unknown Redis client error";
  }
};

} // namespace

const std::error_category& category() {
  static const redis_category instance;
  return instance;
}

std::error_code make_error_code(errc code) {
  return {static_cast<int>(code), category()};
}

} // namespace jobcast::redis
