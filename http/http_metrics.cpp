#include "http/http_metrics.hpp"

namespace jobcast {

http_metrics& http_counters() {
  static http_metrics instance;
  return instance;
}

} // namespace jobcast
